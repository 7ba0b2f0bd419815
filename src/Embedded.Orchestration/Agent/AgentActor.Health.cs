using Embedded.Orchestration.Agent.Health;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Agent;

/// <summary>A running task's health and readiness checks: started when it runs, reported on each change, a kill when liveness fails.</summary>
internal sealed partial class AgentActor
{
    private void StartChecks(TaskRun run)
    {
        if (run.Running is null) return;
        if (run.Info.HealthCheck is { } health) run.Liveness = StartChecker(run, health, readiness: false);
        if (run.Info.ReadinessCheck is { } ready) run.Readiness = StartChecker(run, ready, readiness: true);
    }

    private HealthChecker StartChecker(TaskRun run, HealthCheck check, bool readiness)
    {
        var sandbox = SandboxOf(run);
        if (check.Kind == HealthCheckKind.Command && run.Info.Kind == TaskKind.Delegate) MakeSandbox(sandbox); // Its command runs there.
        var target = new HealthProbeTarget(Id, run.FrameworkId, run.Info, sandbox, run.Running!);
        var probe = _options.HealthProbes?.Invoke(check, target) ?? HealthProbes.Create(check, target);
        var (key, number) = (run.Key, run.Run);
        var checker = new HealthChecker(check, probe, _time, stopWhenUnhealthy: !readiness, v => Post(new HealthChanged(key, number, readiness, v)));
        checker.Start();
        return checker;
    }

    private static void StopChecks(TaskRun run)
    {
        run.Liveness?.Dispose();
        run.Readiness?.Dispose();
        run.Liveness = run.Readiness = null;
    }

    private void OnHealthChanged(HealthChanged m)
    {
        var run = Find(m.Key, m.Run);
        if (run is null || run.State != TaskState.Running) return; // Killed or ended meanwhile: its last word stands.
        var check = (m.Readiness ? run.Info.ReadinessCheck : run.Info.HealthCheck)!;
        if (m.Readiness) run.Ready = m.Verdict.Healthy;
        else run.Healthy = m.Verdict.Healthy;
        LogHealthChanged(run.Info.TaskId, m.Readiness ? "readiness" : "health", m.Verdict.Healthy ? "passes" : "fails", m.Verdict.Message);
        Report(run, TaskState.Running, TaskReason.TaskHealthCheckStatusUpdated, m.Verdict.Message);
        if (m.Readiness || m.Verdict.Healthy) return;
        run.UnhealthyMessage = $"killed as unhealthy: its health check failed {check.ConsecutiveFailures} time{(check.ConsecutiveFailures == 1 ? "" : "s")} in a row; last: {m.Verdict.Message}";
        StartKill(run, KillCause.Unhealthy, null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId}: its {Check} check {Verdict} ({Message})")]
    private partial void LogHealthChanged(string taskId, string check, string verdict, string message);
}
