using System.Globalization;
using System.Text.Json;

namespace Embedded.Cli.Http;

/// <summary>Reads the Mesos JSON shapes the CLI prints: ids, scalar resources, TEXT attributes.</summary>
internal static class MesosJson
{
    public static string Id(JsonElement e, string property) =>
        e.TryGetProperty(property, out var id) && id.TryGetProperty("value", out var v) ? v.GetString() ?? "" : "";

    public static string String(JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";

    public static IEnumerable<JsonElement> Items(JsonElement e, string property) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray() : [];

    /// <summary>The sum of a scalar resource (every role's), 0 when absent.</summary>
    public static double Scalar(JsonElement e, string property, string name) =>
        Items(e, property).Where(r => String(r, "name") == name && r.TryGetProperty("scalar", out _))
            .Sum(r => r.GetProperty("scalar").GetProperty("value").GetDouble());

    public static Dictionary<string, string> Attributes(JsonElement e) =>
        Items(e, "attributes").GroupBy(a => String(a, "name")).ToDictionary(g => g.Key, g => Attribute(g.Last()), StringComparer.Ordinal);

    private static string Attribute(JsonElement a) =>
        a.TryGetProperty("text", out var t) ? String(t, "value")
        : a.TryGetProperty("scalar", out var s) ? s.GetProperty("value").GetDouble().ToString(CultureInfo.InvariantCulture)
        : "";

    public static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
