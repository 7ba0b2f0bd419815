namespace Embedded.Orchestration.Model;

/// <summary>How a check probes a task: an HTTP GET, a TCP connect, or a command whose exit code says.</summary>
public enum HealthCheckKind { Http, Tcp, Command }

/// <summary>
/// A check the agent runs beside a task, as Mesos's health checks do, with Mesos's defaults. As a
/// task's <see cref="TaskInfo.HealthCheck"/> (liveness) it is reported in <see cref="StatusUpdate.Healthy"/>,
/// and the agent kills the task after <see cref="ConsecutiveFailures"/> failures past the grace period; as
/// its <see cref="TaskInfo.ReadinessCheck"/> it is reported in <see cref="StatusUpdate.Ready"/> and never kills.
/// </summary>
public sealed record HealthCheck
{
    public HealthCheckKind Kind { get; init; }

    /// <summary>The HTTP path to GET (Http).</summary>
    public string Path { get; init; } = "/";

    /// <summary>The HTTP status that counts as healthy; null: any from 200 to 399, as Mesos (Http).</summary>
    public int? ExpectedStatus { get; init; }

    /// <summary>Which of the task's host ports to probe, in PORT0, PORT1, … order (Http, Tcp).</summary>
    public int PortIndex { get; init; }

    /// <summary>A container port mapping's <see cref="PortMapping.Name"/> to probe instead of <see cref="PortIndex"/> (Http, Tcp).</summary>
    public string? PortName { get; init; }

    /// <summary>What to run (Command): in the task's container for a container task, in its sandbox otherwise; exit code 0 is healthy.</summary>
    public CommandSpec? Command { get; init; }

    /// <summary>How long after the task starts before the first check (Mesos: delay_seconds, 15 s).</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Between checks (Mesos: interval_seconds, 10 s).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one check may take before it counts as failed (Mesos: timeout_seconds, 20 s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Failures in a row that make the task unhealthy and, for liveness, killed (Mesos: consecutive_failures, 3).</summary>
    public int ConsecutiveFailures { get; init; } = 3;

    /// <summary>After the start, failures do not count until a check has passed or this long has gone (Mesos: grace_period_seconds, 10 s).</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>An HTTP GET of <paramref name="path"/> on the task's host port <paramref name="portIndex"/>.</summary>
    public static HealthCheck Http(string path = "/", int portIndex = 0) => new() { Kind = HealthCheckKind.Http, Path = path, PortIndex = portIndex };

    /// <summary>A TCP connect to the task's host port <paramref name="portIndex"/>.</summary>
    public static HealthCheck Tcp(int portIndex = 0) => new() { Kind = HealthCheckKind.Tcp, PortIndex = portIndex };

    /// <summary>A shell command (<c>/bin/sh -c</c>) that exits 0 when the task is healthy.</summary>
    public static HealthCheck Shell(string command) => new() { Kind = HealthCheckKind.Command, Command = new CommandSpec(command) };
}
