using System.Text.Json;
using Embedded.Orchestration.Model;

namespace Embedded.Server.Mesos;

/// <summary>Resources as mesos.proto's repeated Resource: name, type and one of scalar, ranges or set; unreserved ("*"). Reading; the writing is in MesosResources.Write.cs.</summary>
internal static partial class MesosResources
{
    /// <summary>Reads a repeated Resource; reservations, disk sources and the like are refused since we do not build them.</summary>
    public static Resources Read(JsonElement array, int maxItems)
    {
        if (array.ValueKind != JsonValueKind.Array) throw CallException.BadRequest("'resources' must be an array");
        if (array.GetArrayLength() > maxItems) throw CallException.BadRequest($"too many resources (at most {maxItems})");
        var total = Resources.Empty;
        foreach (var r in array.EnumerateArray())
        {
            var name = Json.RequiredString(r, "name", "resource");
            var role = Json.OptionalString(r, "role");
            if ((role is not null && role != "*") || Json.Has(r, "reservation") || Json.Has(r, "reservations"))
                throw CallException.BadRequest($"resource '{name}': reserved resources are not supported");
            var type = Json.OptionalString(r, "type") ?? "SCALAR";
            try
            {
                total = type switch
                {
                    "SCALAR" => total + Resources.Empty.WithScalar(name, Scalar.FromDouble(ScalarValue(r, name))),
                    "RANGES" => total + Resources.Empty.WithRanges(name, Ranges(r, name, maxItems)),
                    "SET" => total + Resources.Empty.WithSet(name, Items(r, name, maxItems)),
                    _ => throw CallException.BadRequest($"resource '{name}': unknown type '{type}'"),
                };
            }
            catch (ArgumentException e)
            {
                throw CallException.BadRequest($"resource '{name}': {e.Message}");
            }
        }
        return total;
    }

    private static double ScalarValue(JsonElement r, string name) =>
        Json.Object(r, "scalar") is { } s && Json.Number(s, "value") is { } v ? v : throw CallException.BadRequest($"resource '{name}' has no scalar.value");

    private static RangeSet Ranges(JsonElement r, string name, int maxItems)
    {
        if (Json.Object(r, "ranges") is not { } ranges || Json.Array(ranges, "range") is not { } list)
            throw CallException.BadRequest($"resource '{name}' has no ranges.range");
        if (list.GetArrayLength() > maxItems) throw CallException.BadRequest($"resource '{name}': too many ranges");
        var result = new List<ValueRange>();
        foreach (var range in list.EnumerateArray())
        {
            var begin = Json.UInt64(range, "begin") ?? throw CallException.BadRequest($"resource '{name}': a range has no begin");
            var end = Json.UInt64(range, "end") ?? throw CallException.BadRequest($"resource '{name}': a range has no end");
            if (end < begin) throw CallException.BadRequest($"resource '{name}': range {begin}-{end} ends before it begins");
            result.Add(new ValueRange(begin, end));
        }
        return RangeSet.Of(result);
    }

    private static IEnumerable<string> Items(JsonElement r, string name, int maxItems)
    {
        if (Json.Object(r, "set") is not { } set || Json.Array(set, "item") is not { } items)
            throw CallException.BadRequest($"resource '{name}' has no set.item");
        if (items.GetArrayLength() > maxItems) throw CallException.BadRequest($"resource '{name}': too many items");
        return [.. items.EnumerateArray().Select(i => i.ValueKind == JsonValueKind.String ? i.GetString()! : throw CallException.BadRequest($"resource '{name}': set items must be strings"))];
    }
}
