using System.Text.Json;
using Embedded.Orchestration.Model;

namespace Embedded.Server.Mesos;

/// <summary>A StatusUpdate as mesos.proto's TaskStatus.</summary>
internal static class MesosStatuses
{
    public static void Write(Utf8JsonWriter json, StatusUpdate status, string? property = null)
    {
        if (property is null) json.WriteStartObject(); else json.WriteStartObject(property);
        Json.WriteId(json, "task_id", status.TaskId);
        json.WriteString("state", MesosNames.State(status.State));
        json.WriteString("source", MesosNames.Source(status.Source));
        if (MesosNames.Reason(status.Reason) is { } reason) json.WriteString("reason", reason);
        if (status.Message.Length > 0) json.WriteString("message", status.Message);
        if (status.AgentId is { } agent) Json.WriteId(json, "agent_id", agent);
        json.WriteNumber("timestamp", Json.Seconds(status.Timestamp));
        if (status.Uuid is { } uuid) json.WriteString("uuid", Uuid(uuid));
        if (status.Healthy is { } healthy) json.WriteBoolean("healthy", healthy);
        // TaskStatus has no exit code or readiness field; labels carry them, so clients (ours) need not parse the message.
        if (status.ExitCode is not null || status.Ready is not null)
        {
            json.WriteStartObject("labels");
            json.WriteStartArray("labels");
            if (status.ExitCode is { } exit) Label(json, ExitCodeLabel, exit.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (status.Ready is { } ready) Label(json, ReadyLabel, ready ? "true" : "false");
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    /// <summary>The label of a status that carries the task's exit code.</summary>
    public const string ExitCodeLabel = "exit_code";

    /// <summary>The label of a status that carries what the task's readiness check says (<see cref="StatusUpdate.Ready"/>).</summary>
    public const string ReadyLabel = "ready";

    private static void Label(Utf8JsonWriter json, string key, string value)
    {
        json.WriteStartObject();
        json.WriteString("key", key);
        json.WriteString("value", value);
        json.WriteEndObject();
    }

    /// <summary>A status uuid as proto3 bytes: the 16 bytes in RFC 4122 order, standard padded base64.</summary>
    public static string Uuid(Guid uuid) => Convert.ToBase64String(uuid.ToByteArray(bigEndian: true));

    public static Guid ReadUuid(byte[] bytes) =>
        bytes.Length == 16 ? new Guid(bytes, bigEndian: true) : throw CallException.BadRequest("'uuid' must be 16 bytes");
}
