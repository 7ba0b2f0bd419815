using System.Text.Json;

namespace Embedded.Server.Mesos;

/// <summary>
/// Reading proto3-style JSON: a field that is absent or null is unset, unknown fields are ignored,
/// and a field of the wrong kind is a bad request rather than an exception.
/// </summary>
internal static class Json
{
    public static JsonElement? Get(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public static bool Has(JsonElement obj, string name) => Get(obj, name) is not null;

    public static JsonElement? Object(JsonElement obj, string name) => Get(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Object } v => v,
        _ => throw CallException.BadRequest($"'{name}' must be an object"),
    };

    public static JsonElement? Array(JsonElement obj, string name) => Get(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Array } v => v,
        _ => throw CallException.BadRequest($"'{name}' must be an array"),
    };

    public static string? OptionalString(JsonElement obj, string name) => Get(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } v => v.GetString(),
        _ => throw CallException.BadRequest($"'{name}' must be a string"),
    };

    public static string RequiredString(JsonElement obj, string name, string what) =>
        OptionalString(obj, name) is { Length: > 0 } s ? s : throw CallException.BadRequest($"{what} has no '{name}'");

    /// <summary>An id message such as FrameworkID: <c>{"value": "..."}</c>.</summary>
    public static string? OptionalId(JsonElement obj, string name) =>
        Object(obj, name) is { } id ? OptionalString(id, "value") : null;

    public static string RequiredId(JsonElement obj, string name, string what) =>
        OptionalId(obj, name) is { Length: > 0 } s ? s : throw CallException.BadRequest($"{what} has no '{name}.value'");

    public static double? Number(JsonElement obj, string name) => Get(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } v when v.TryGetDouble(out var d) && double.IsFinite(d) => d,
        // proto3 JSON may carry numbers as strings.
        { ValueKind: JsonValueKind.String } v when double.TryParse(v.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) => d,
        _ => throw CallException.BadRequest($"'{name}' must be a finite number"),
    };

    public static ulong? UInt64(JsonElement obj, string name) => Get(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } v when v.TryGetUInt64(out var u) => u,
        { ValueKind: JsonValueKind.String } v when ulong.TryParse(v.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var u) => u,
        _ => throw CallException.BadRequest($"'{name}' must be a non-negative integer"),
    };

    public static long? Int64(JsonElement obj, string name) => Get(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } v when v.TryGetInt64(out var l) => l,
        { ValueKind: JsonValueKind.String } v when long.TryParse(v.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var l) => l,
        _ => throw CallException.BadRequest($"'{name}' must be an integer"),
    };

    public static bool? Bool(JsonElement obj, string name) => Get(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw CallException.BadRequest($"'{name}' must be true or false"),
    };

    /// <summary>A DurationInfo: <c>{"nanoseconds": N}</c>.</summary>
    public static TimeSpan? Duration(JsonElement obj, string name)
    {
        if (Object(obj, name) is not { } d) return null;
        var ns = Int64(d, "nanoseconds") ?? throw CallException.BadRequest($"'{name}' has no nanoseconds");
        if (ns < 0) throw CallException.BadRequest($"'{name}' cannot be negative");
        return TimeSpan.FromTicks(ns / 100);
    }

    /// <summary>proto3 bytes: standard base64 (padded or not).</summary>
    public static byte[]? Bytes(JsonElement obj, string name)
    {
        if (OptionalString(obj, name) is not { } s) return null;
        s = s.Replace('-', '+').Replace('_', '/');
        if (s.Length % 4 != 0) s = s.PadRight(s.Length + 4 - s.Length % 4, '=');
        try { return Convert.FromBase64String(s); }
        catch (FormatException) { throw CallException.BadRequest($"'{name}' is not base64"); }
    }

    public static IEnumerable<JsonElement> Items(JsonElement obj, string name, int maxItems)
    {
        if (Array(obj, name) is not { } array) return [];
        if (array.GetArrayLength() > maxItems) throw CallException.BadRequest($"'{name}' names {array.GetArrayLength()} items, more than the {maxItems} a call may name");
        return array.EnumerateArray();
    }

    public static void WriteId(Utf8JsonWriter json, string property, string value)
    {
        json.WriteStartObject(property);
        json.WriteString("value", value);
        json.WriteEndObject();
    }

    /// <summary>Mesos's TimeInfo / timestamps: seconds since the epoch as a double.</summary>
    public static double Seconds(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond;
}
