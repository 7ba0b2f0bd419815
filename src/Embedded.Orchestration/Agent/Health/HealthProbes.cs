using System.Collections.Immutable;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Agent.Health;

/// <summary>What a probe looks at: a running task of this agent, where it runs and how to reach it.</summary>
internal sealed record HealthProbeTarget(string AgentId, string FrameworkId, TaskInfo Task, string Sandbox, IRunningTask Running)
{
    /// <summary>The host a task's ports are reached on: the agent's own machine, unless the task says it runs elsewhere (a remote engine's container).</summary>
    public string Host => Running is ITaskHost { Host: { Length: > 0 } host } ? host : "127.0.0.1";
}

/// <summary>Makes the probe a check asks for: HTTP, TCP, or a command in the container (when the task runs one) or beside the task.</summary>
internal static class HealthProbes
{
    public static IHealthProbe Create(HealthCheck check, HealthProbeTarget target)
    {
        var task = target.Task;
        if (check.Kind == HealthCheckKind.Command)
        {
            var command = check.Command ?? new CommandSpec("");
            if (target.Running is ITaskCommandRunner runner) return new ContainerCommandProbe(runner, command);
            var environment = (task.Command?.Environment ?? ImmutableDictionary<string, string>.Empty)
                .SetItem("EMBEDDED_TASK_ID", task.TaskId)
                .SetItem("EMBEDDED_AGENT_ID", target.AgentId)
                .SetItem("EMBEDDED_FRAMEWORK_ID", target.FrameworkId)
                .SetItem("EMBEDDED_SANDBOX", target.Sandbox);
            return new ShellProbe(command, target.Sandbox, environment);
        }
        if (HealthCheckPorts.HostPort(check, task) is not { } port)
            return new FixedProbe(new ProbeResult(false, $"the task has no port {check.PortName ?? check.PortIndex.ToString(System.Globalization.CultureInfo.InvariantCulture)} to probe"));
        return check.Kind == HealthCheckKind.Http
            ? new HttpProbe(new Uri($"http://{target.Host}:{port}{check.Path}"), check.ExpectedStatus)
            : new TcpProbe(target.Host, port);
    }

    /// <summary>Always says the same: for a check that cannot probe anything.</summary>
    private sealed class FixedProbe(ProbeResult result) : IHealthProbe
    {
        public string Description => result.Message;

        public ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken) => ValueTask.FromResult(result);
    }
}
