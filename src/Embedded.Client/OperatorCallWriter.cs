using System.Buffers;
using System.Text.Json;

namespace Embedded.Client;

/// <summary>Operator calls (<c>POST /api/v1</c>) that carry a body, as MapClusterApi reads them.</summary>
internal static class OperatorCallWriter
{
    /// <summary>Embedded's KILL_TASK extension.</summary>
    public static byte[] KillTask(string taskId, string? frameworkId, TimeSpan? gracePeriod)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "KILL_TASK");
            json.WriteStartObject("kill_task");
            WriteId(json, "task_id", taskId);
            if (frameworkId is not null) WriteId(json, "framework_id", frameworkId);
            if (gracePeriod is { } grace) json.WriteNumber("grace_period_seconds", grace.TotalSeconds);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteId(Utf8JsonWriter json, string property, string value)
    {
        json.WriteStartObject(property);
        json.WriteString("value", value);
        json.WriteEndObject();
    }
}
