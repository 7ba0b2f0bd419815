using System.Text.Json;
using Embedded.Orchestration.Model;

namespace Embedded.Server.Mesos;

/// <summary>
/// mesos.proto's HealthCheck to ours. Its ports are port numbers: a task's host port, or a container
/// port of one of its port mappings, becomes the index of that host port among the task's ports
/// (PORT0, PORT1, …). What is well formed but wrong (negative times, no such port) is left for the
/// master to refuse with TASK_ERROR.
/// </summary>
internal static class MesosHealthChecks
{
    public static HealthCheck? Read(JsonElement t, TaskInfo task, int maxItems)
    {
        if (Json.Object(t, "health_check") is not { } h) return null;
        var what = $"task {task.TaskId}: health_check";
        // Before Mesos 1.2 the type was implied by which of command and http was set.
        var type = Json.OptionalString(h, "type") ?? (Json.Has(h, "http") ? "HTTP" : Json.Has(h, "tcp") ? "TCP" : Json.Has(h, "command") ? "COMMAND" : null);
        var check = type switch
        {
            "HTTP" => Http(Json.Object(h, "http") ?? throw CallException.BadRequest($"{what}: an HTTP check needs 'http'"), task, what, maxItems),
            "TCP" => new HealthCheck
            {
                Kind = HealthCheckKind.Tcp,
                PortIndex = PortIndex(Json.Object(h, "tcp") ?? throw CallException.BadRequest($"{what}: a TCP check needs 'tcp'"), task, what),
            },
            "COMMAND" => new HealthCheck { Kind = HealthCheckKind.Command, Command = Command(h, what) },
            null => throw CallException.BadRequest($"{what} has no type"),
            _ => throw CallException.BadRequest($"{what}: type {type} is not supported; use HTTP, TCP or COMMAND"),
        };
        var defaults = new HealthCheck();
        return check with
        {
            Delay = Seconds(h, "delay_seconds") ?? defaults.Delay,
            Interval = Seconds(h, "interval_seconds") ?? defaults.Interval,
            Timeout = Seconds(h, "timeout_seconds") ?? defaults.Timeout,
            GracePeriod = Seconds(h, "grace_period_seconds") ?? defaults.GracePeriod,
            ConsecutiveFailures = Json.Int64(h, "consecutive_failures") is { } n ? (int)Math.Clamp(n, int.MinValue, int.MaxValue) : defaults.ConsecutiveFailures,
        };
    }

    private static HealthCheck Http(JsonElement http, TaskInfo task, string what, int maxItems)
    {
        if (Json.OptionalString(http, "scheme") is { } scheme && scheme != "http")
            throw CallException.BadRequest($"{what}: scheme {scheme} is not supported; use http");
        var statuses = Json.Items(http, "statuses", maxItems)
            .Select(s => s.ValueKind == JsonValueKind.Number && s.TryGetInt32(out var code) ? code : throw CallException.BadRequest($"{what}: statuses must be numbers"))
            .ToList();
        if (statuses.Count > 1) throw CallException.BadRequest($"{what}: give at most one of statuses; none means 200 to 399");
        return new HealthCheck
        {
            Kind = HealthCheckKind.Http,
            Path = Json.OptionalString(http, "path") ?? "/",
            ExpectedStatus = statuses.Count == 1 ? statuses[0] : null,
            PortIndex = PortIndex(http, task, what),
        };
    }

    private static int PortIndex(JsonElement probe, TaskInfo task, string what)
    {
        var port = Json.UInt64(probe, "port") ?? throw CallException.BadRequest($"{what} has no port");
        if (HealthCheckPorts.IndexOf(port, task.Resources) is { } index) return index;
        // A container port: its mapping's host port.
        if (task.Container?.PortMappings.FirstOrDefault(m => (ulong)m.ContainerPort == port && m.HostPort > 0) is { } mapping
            && HealthCheckPorts.IndexOf((ulong)mapping.HostPort, task.Resources) is { } mapped)
            return mapped;
        throw CallException.BadRequest($"{what}: port {port} is neither one of the task's ports ({task.Resources.Ports}) nor a mapped container port");
    }

    private static CommandSpec Command(JsonElement h, string what)
    {
        var c = Json.Object(h, "command") ?? throw CallException.BadRequest($"{what}: a COMMAND check needs 'command'");
        var value = Json.OptionalString(c, "value") ?? "";
        if (Json.Bool(c, "shell") == false) throw CallException.BadRequest($"{what}: only shell commands are supported");
        return new CommandSpec(value);
    }

    // Out-of-range values stay out of range, for the master to refuse, without overflowing a TimeSpan.
    private static TimeSpan? Seconds(JsonElement h, string name) =>
        Json.Number(h, name) is { } s ? TimeSpan.FromSeconds(Math.Clamp(s, -1e9, 1e9)) : null;
}
