using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Embedded.Orchestration.Model;

namespace Embedded.Client;

/// <summary>
/// Reading what the master sends (proto3-style JSON) back into our records. Lenient: an absent
/// field is unset, as a proto3 reader does; a field of the wrong kind is a broken answer.
/// </summary>
internal static class MesosJson
{
    public static JsonElement? Get(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public static string? String(JsonElement obj, string name) => Get(obj, name)?.GetString();

    public static string? Id(JsonElement obj, string name) => Get(obj, name) is { } id ? String(id, "value") : null;

    public static string RequiredId(JsonElement obj, string name) =>
        Id(obj, name) ?? throw new InvalidDataException($"the master sent no '{name}.value'");

    public static IEnumerable<JsonElement> Items(JsonElement obj, string name) =>
        Get(obj, name) is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray() : [];

    public static double? Number(JsonElement obj, string name) => Get(obj, name) switch
    {
        { ValueKind: JsonValueKind.Number } v => v.GetDouble(),
        { ValueKind: JsonValueKind.String } v => double.Parse(v.GetString()!, CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>A mesos.proto enum name (TASK_GONE_BY_OPERATOR) as ours (GoneByOperator); <paramref name="fallback"/> for a name we lack.</summary>
    public static T Enum<T>(string? name, string prefix, T fallback) where T : struct, System.Enum =>
        name is not null && name.StartsWith(prefix, StringComparison.Ordinal)
        && System.Enum.TryParse<T>(name[prefix.Length..].Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var value)
            ? value : fallback;

    public static Resources Resources(JsonElement obj, string name)
    {
        var total = Orchestration.Model.Resources.Empty;
        foreach (var r in Items(obj, name))
        {
            var resource = String(r, "name") ?? throw new InvalidDataException("the master sent a resource without a name");
            total += String(r, "type") switch
            {
                "RANGES" => Orchestration.Model.Resources.Empty.WithRanges(resource, RangeSet.Of(
                    Get(r, "ranges") is { } ranges
                        ? Items(ranges, "range").Select(x => new ValueRange(x.GetProperty("begin").GetUInt64(), x.GetProperty("end").GetUInt64()))
                        : [])),
                "SET" => Orchestration.Model.Resources.Empty.WithSet(resource,
                    Get(r, "set") is { } set ? Items(set, "item").Select(i => i.GetString()!) : []),
                _ => Orchestration.Model.Resources.Empty.WithScalar(resource, Scalar.FromDouble(Get(r, "scalar") is { } s ? Number(s, "value") ?? 0 : 0)),
            };
        }
        return total;
    }

    public static ImmutableDictionary<string, string> Attributes(JsonElement obj)
    {
        var result = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var a in Items(obj, "attributes"))
        {
            if (String(a, "name") is not { } name) continue;
            result[name] = String(a, "type") switch
            {
                "SCALAR" => Get(a, "scalar") is { } s ? (Number(s, "value") ?? 0).ToString(CultureInfo.InvariantCulture) : "",
                _ => Get(a, "text") is { } t ? String(t, "value") ?? "" : "",
            };
        }
        return result.ToImmutable();
    }

    /// <summary>mesos.proto's TaskStatus, with the exit code and readiness from its <c>exit_code</c> and <c>ready</c> labels.</summary>
    public static StatusUpdate Status(JsonElement s)
    {
        var seconds = Number(s, "timestamp") ?? 0;
        int? exit = null;
        bool? ready = null;
        if (Get(s, "labels") is { } labels)
            foreach (var l in Items(labels, "labels"))
                if (String(l, "key") == "exit_code" && int.TryParse(String(l, "value"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code))
                    exit = code;
                else if (String(l, "key") == "ready" && bool.TryParse(String(l, "value"), out var isReady))
                    ready = isReady;
        return new StatusUpdate(
            RequiredId(s, "task_id"),
            Enum(String(s, "state"), "TASK_", TaskState.Unknown),
            Enum(String(s, "reason"), "REASON_", TaskReason.None),
            Enum(String(s, "source"), "SOURCE_", StatusSource.Executor),
            String(s, "message") ?? "",
            DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond)))
        {
            AgentId = Id(s, "agent_id"),
            Uuid = String(s, "uuid") is { Length: > 0 } uuid ? new Guid(Convert.FromBase64String(uuid), bigEndian: true) : null,
            ExitCode = exit,
            Ready = ready,
            Healthy = Get(s, "healthy") is { ValueKind: JsonValueKind.True or JsonValueKind.False } healthy ? healthy.GetBoolean() : null,
        };
    }
}
