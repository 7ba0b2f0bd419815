using System.Buffers;
using System.Text.Json;
using Embedded.Orchestration.Master;
using Embedded.Orchestration.Model;

namespace Embedded.Client;

/// <summary>Our framework calls as scheduler.proto's Call, the JSON MapClusterApi reads back into the same records.</summary>
internal static class MesosCallWriter
{
    public static byte[] Subscribe(FrameworkInfo f)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (f.FrameworkId is { } id) WriteId(json, "framework_id", id);
            json.WriteString("type", "SUBSCRIBE");
            json.WriteStartObject("subscribe");
            json.WriteStartObject("framework_info");
            if (f.FrameworkId is { } fid) WriteId(json, "id", fid);
            json.WriteString("name", f.Name);
            json.WriteString("user", "");
            json.WriteStartArray("roles");
            json.WriteStringValue(f.Role);
            json.WriteEndArray();
            json.WriteStartArray("capabilities");
            WriteCapability(json, "MULTI_ROLE");
            if (f.PartitionAware) WriteCapability(json, "PARTITION_AWARE");
            json.WriteEndArray();
            json.WriteNumber("failover_timeout", f.FailoverTimeout.TotalSeconds);
            json.WriteBoolean("checkpoint", f.Checkpoint);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Call(FrameworkCall call)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            WriteId(json, "framework_id", call.FrameworkId);
            switch (call)
            {
                case Accept a:
                    json.WriteString("type", "ACCEPT");
                    json.WriteStartObject("accept");
                    WriteOfferIds(json, a.OfferIds);
                    json.WriteStartArray("operations");
                    foreach (var op in a.Operations)
                    {
                        if (op is not LaunchOperation launch) throw new NotSupportedException($"{op.GetType().Name} is not served over HTTP; only launches are");
                        json.WriteStartObject();
                        json.WriteString("type", "LAUNCH");
                        json.WriteStartObject("launch");
                        json.WriteStartArray("task_infos");
                        foreach (var task in launch.Tasks) WriteTask(json, task);
                        json.WriteEndArray();
                        json.WriteEndObject();
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                    WriteFilters(json, a.Filters);
                    json.WriteEndObject();
                    break;
                case Decline d:
                    json.WriteString("type", "DECLINE");
                    json.WriteStartObject("decline");
                    WriteOfferIds(json, d.OfferIds);
                    WriteFilters(json, d.Filters);
                    json.WriteEndObject();
                    break;
                case Revive:
                    json.WriteString("type", "REVIVE");
                    break;
                case Suppress:
                    json.WriteString("type", "SUPPRESS");
                    break;
                case Kill k:
                    json.WriteString("type", "KILL");
                    json.WriteStartObject("kill");
                    WriteId(json, "task_id", k.TaskId);
                    if (k.GracePeriod is { } grace)
                    {
                        json.WriteStartObject("kill_policy");
                        WriteDuration(json, "grace_period", grace);
                        json.WriteEndObject();
                    }
                    json.WriteEndObject();
                    break;
                case Acknowledge ack:
                    json.WriteString("type", "ACKNOWLEDGE");
                    json.WriteStartObject("acknowledge");
                    WriteId(json, "agent_id", ack.AgentId);
                    WriteId(json, "task_id", ack.TaskId);
                    json.WriteString("uuid", Convert.ToBase64String(ack.Uuid.ToByteArray(bigEndian: true)));
                    json.WriteEndObject();
                    break;
                case Reconcile r:
                    json.WriteString("type", "RECONCILE");
                    json.WriteStartObject("reconcile");
                    json.WriteStartArray("tasks");
                    foreach (var task in r.TaskIds)
                    {
                        json.WriteStartObject();
                        WriteId(json, "task_id", task);
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                    json.WriteEndObject();
                    break;
                case SendMessage m:
                    json.WriteString("type", "MESSAGE");
                    json.WriteStartObject("message");
                    WriteId(json, "agent_id", m.AgentId);
                    WriteId(json, "executor_id", m.TaskId);
                    json.WriteBase64String("data", m.Data.Span);
                    json.WriteEndObject();
                    break;
                case Teardown:
                    json.WriteString("type", "TEARDOWN");
                    break;
                default:
                    throw new NotSupportedException($"{call.GetType().Name} is not served over HTTP");
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteTask(Utf8JsonWriter json, TaskInfo t)
    {
        json.WriteStartObject();
        json.WriteString("name", t.Name);
        WriteId(json, "task_id", t.TaskId);
        WriteId(json, "agent_id", t.AgentId);
        Embedded.Server.Mesos.MesosResources.Write(json, "resources", t.Resources);
        if (t.Command is { } c)
        {
            json.WriteStartObject("command");
            json.WriteBoolean("shell", c.Shell);
            json.WriteString("value", c.Value);
            if (!c.Shell)
            {
                // Mesos's arguments are the whole argv, argv[0] included.
                json.WriteStartArray("arguments");
                json.WriteStringValue(c.Value);
                foreach (var a in c.Arguments) json.WriteStringValue(a);
                json.WriteEndArray();
            }
            WriteEnvironment(json, c.Environment);
            json.WriteEndObject();
        }
        if (t.Container is { } container) WriteContainer(json, t.TaskId, container);
        // A delegate is a body the master's host registered under its name: it runs there, named by a label.
        var labels = t.Delegate is { } body ? t.Labels.SetItem(Embedded.Server.Mesos.MesosLabels.Delegate, body) : t.Labels;
        if (!labels.IsEmpty)
        {
            json.WriteStartObject("labels");
            json.WriteStartArray("labels");
            foreach (var (key, value) in labels)
            {
                json.WriteStartObject();
                json.WriteString("key", key);
                json.WriteString("value", value);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        if (t.MaxCompletionTime is { } max) WriteDuration(json, "max_completion_time", max);
        if (t.KillGracePeriod is { } grace)
        {
            json.WriteStartObject("kill_policy");
            WriteDuration(json, "grace_period", grace);
            json.WriteEndObject();
        }
        if (t.ReadinessCheck is not null) throw new NotSupportedException($"task {t.TaskId}: a readiness check is not carried by Mesos's JSON");
        if (t.HealthCheck is { } check) WriteHealthCheck(json, t, check);
        json.WriteEndObject();
    }

    /// <summary>The reverse of the server's reading of a HealthCheck: ports as the host port numbers they name.</summary>
    private static void WriteHealthCheck(Utf8JsonWriter json, TaskInfo t, HealthCheck check)
    {
        json.WriteStartObject("health_check");
        // A port the task does not have goes as 0, which the server refuses saying so.
        var port = HealthCheckPorts.HostPort(check, t) ?? 0;
        switch (check.Kind)
        {
            case HealthCheckKind.Http:
                json.WriteString("type", "HTTP");
                json.WriteStartObject("http");
                json.WriteNumber("port", port);
                json.WriteString("path", check.Path);
                if (check.ExpectedStatus is { } status)
                {
                    json.WriteStartArray("statuses");
                    json.WriteNumberValue(status);
                    json.WriteEndArray();
                }
                json.WriteEndObject();
                break;
            case HealthCheckKind.Tcp:
                json.WriteString("type", "TCP");
                json.WriteStartObject("tcp");
                json.WriteNumber("port", port);
                json.WriteEndObject();
                break;
            default:
                if (check.Command is { Shell: false }) throw new NotSupportedException($"task {t.TaskId}: a health check's command must be a shell command over Mesos's JSON");
                json.WriteString("type", "COMMAND");
                json.WriteStartObject("command");
                json.WriteBoolean("shell", true);
                json.WriteString("value", check.Command?.Value ?? "");
                json.WriteEndObject();
                break;
        }
        json.WriteNumber("delay_seconds", check.Delay.TotalSeconds);
        json.WriteNumber("interval_seconds", check.Interval.TotalSeconds);
        json.WriteNumber("timeout_seconds", check.Timeout.TotalSeconds);
        json.WriteNumber("consecutive_failures", check.ConsecutiveFailures);
        json.WriteNumber("grace_period_seconds", check.GracePeriod.TotalSeconds);
        json.WriteEndObject();
    }

    /// <summary>The reverse of the server's reading of a DOCKER ContainerInfo (Mesos's Docker containerizer rules).</summary>
    private static void WriteContainer(Utf8JsonWriter json, string taskId, ContainerSpec c)
    {
        json.WriteStartObject("command");
        if (c.Entrypoint is ["/bin/sh", "-c"] && c.Command is [var line])
        {
            json.WriteBoolean("shell", true);
            json.WriteString("value", line);
        }
        else
        {
            if (c.Entrypoint is { Length: > 1 }) throw new NotSupportedException($"task {taskId}: an entrypoint of several words is not carried by Mesos's JSON");
            json.WriteBoolean("shell", c.Entrypoint is null && c.Command is null);
            if (c.Entrypoint is [var program]) json.WriteString("value", program);
            if (c.Command is { } command)
            {
                json.WriteStartArray("arguments");
                foreach (var a in command) json.WriteStringValue(a);
                json.WriteEndArray();
            }
        }
        WriteEnvironment(json, c.Environment);
        json.WriteEndObject();
        json.WriteStartObject("container");
        json.WriteString("type", "DOCKER");
        json.WriteStartObject("docker");
        json.WriteString("image", c.Image);
        if (c.Network is { } network) json.WriteString("network", network.ToUpperInvariant());
        if (c.Pull == PullPolicy.Always) json.WriteBoolean("force_pull_image", true);
        json.WriteStartArray("port_mappings");
        foreach (var p in c.PortMappings)
        {
            json.WriteStartObject();
            json.WriteNumber("container_port", p.ContainerPort);
            json.WriteNumber("host_port", p.HostPort);
            json.WriteString("protocol", p.Protocol);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteStartArray("volumes");
        foreach (var v in c.Volumes)
        {
            json.WriteStartObject();
            json.WriteString("host_path", v.Source);
            json.WriteString("container_path", v.Target);
            json.WriteString("mode", v.ReadOnly ? "RO" : "RW");
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteEnvironment(Utf8JsonWriter json, IReadOnlyDictionary<string, string> environment)
    {
        if (environment.Count == 0) return;
        json.WriteStartObject("environment");
        json.WriteStartArray("variables");
        foreach (var (name, value) in environment)
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("value", value);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteOfferIds(Utf8JsonWriter json, IEnumerable<string> ids)
    {
        json.WriteStartArray("offer_ids");
        foreach (var id in ids)
        {
            json.WriteStartObject();
            json.WriteString("value", id);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteFilters(Utf8JsonWriter json, Filters? filters)
    {
        if (filters is null) return;
        json.WriteStartObject("filters");
        json.WriteNumber("refuse_seconds", filters.RefuseSeconds);
        json.WriteEndObject();
    }

    private static void WriteCapability(Utf8JsonWriter json, string type)
    {
        json.WriteStartObject();
        json.WriteString("type", type);
        json.WriteEndObject();
    }

    private static void WriteDuration(Utf8JsonWriter json, string property, TimeSpan duration)
    {
        json.WriteStartObject(property);
        json.WriteNumber("nanoseconds", duration.Ticks * 100);
        json.WriteEndObject();
    }

    private static void WriteId(Utf8JsonWriter json, string property, string value)
    {
        json.WriteStartObject(property);
        json.WriteString("value", value);
        json.WriteEndObject();
    }
}
