using Embedded.Orchestration.Master;

namespace Embedded.Orchestration.Scheduling.Services;

/// <summary>What makes a spec bad, in one sentence a user can act on; null when it is good.</summary>
internal static class ServiceSpecValidation
{
    /// <summary>Room in a task id after the name for ".version.sequence".</summary>
    public const int MaxNameLength = TaskValidation.MaxIdLength - 24;

    public const int MaxInstances = 10_000;

    public static string? Problem(ServiceSpec spec)
    {
        var who = $"service '{spec.Name}'";
        if (string.IsNullOrWhiteSpace(spec.Name) || !TaskValidation.IsValidId(spec.Name) || spec.Name.Length > MaxNameLength)
            return $"service name '{spec.Name}' must be 1 to {MaxNameLength} letters, digits, '.', '_' or '-'";
        var bodies = (spec.Command is null ? 0 : 1) + (spec.Delegate is null ? 0 : 1) + (spec.Body is null ? 0 : 1) + (spec.Container is null ? 0 : 1);
        if (bodies != 1) return $"{who} needs exactly one of a command, a container, a delegate name or a body";
        if (spec.Container is { } container && string.IsNullOrWhiteSpace(container.Image)) return $"{who}: the container has no image";
        if (spec.Command is { } c && string.IsNullOrWhiteSpace(c.Value)) return $"{who}: the command is empty";
        if (spec.Resources is null || spec.Resources.IsEmpty) return $"{who} asks for no resources";
        if (spec.Instances is < 0 or > MaxInstances) return $"{who}: instances must be from 0 to {MaxInstances} (it is {spec.Instances})";
        if (spec.Ports is < 0 or > 64) return $"{who}: ports must be from 0 to 64";
        if (spec.PortNames.IsDefault || spec.PortNames.Length > spec.Ports) return $"{who}: {spec.PortNames.Length} port names for {spec.Ports} ports";
        if (spec.Constraints.IsDefault || spec.Constraints.Any(x => x is null)) return $"{who}: a constraint is null";
        if (spec.DependsOn.IsDefault || spec.DependsOn.Any(string.IsNullOrWhiteSpace)) return $"{who}: a dependency has no name";
        if (spec.DependsOn.Contains(spec.Name)) return $"{who} depends on itself";
        if (spec.KillGracePeriod is { } grace && grace < TimeSpan.Zero) return $"{who}: the kill grace period must not be negative";
        if (spec.Restart is not { } restart) return $"{who} has no restart policy";
        if (restart.Delay <= TimeSpan.Zero || restart.MaxDelay < restart.Delay) return $"{who}: the restart delay must be positive and at most its maximum ({restart.Delay}, {restart.MaxDelay})";
        if (!double.IsFinite(restart.Factor) || restart.Factor < 1) return $"{who}: the restart factor must be at least 1 (it is {restart.Factor})";
        if (restart.ResetAfter <= TimeSpan.Zero) return $"{who}: the restart policy's ResetAfter must be positive";
        if (spec.Update is not { } update) return $"{who} has no update strategy";
        if (update.MaxSurge < 0 || update.MaxUnavailable < 0) return $"{who}: MaxSurge and MaxUnavailable must not be negative";
        if (update.MaxSurge == 0 && update.MaxUnavailable == 0) return $"{who}: MaxSurge and MaxUnavailable cannot both be 0, or an update could never start";
        if (update.MinHealthyTime < TimeSpan.Zero) return $"{who}: MinHealthyTime must not be negative";
        if (update.HealthyDeadline <= update.MinHealthyTime) return $"{who}: HealthyDeadline ({update.HealthyDeadline}) must be longer than MinHealthyTime ({update.MinHealthyTime})";
        foreach (var (check, what) in new[] { (spec.HealthCheck, "health check"), (spec.ReadinessCheck, "readiness check") })
        {
            if (check is null) continue;
            if (check.Interval <= TimeSpan.Zero || check.Timeout <= TimeSpan.Zero) return $"{who}: the {what}'s interval and timeout must be positive";
            if (check.ConsecutiveFailures < 1) return $"{who}: the {what} needs at least 1 consecutive failure";
            if (check.Kind == Model.HealthCheckKind.Command && check.Command is null) return $"{who}: the {what} has no command";
            var ports = spec.Ports + (spec.Container?.PortMappings.Count(m => m.HostPort == 0) ?? 0);
            if (check.Kind != Model.HealthCheckKind.Command && check.PortName is { } name
                && spec.Container?.PortMappings.Any(m => m.Name == name) != true && !Enumerable.Range(0, ports).Any(i => spec.PortName(i) == name))
                return $"{who}: the {what} probes port '{name}', which the service does not have";
            if (check.Kind != Model.HealthCheckKind.Command && check.PortName is null && check.PortIndex >= ports && spec.Container?.PortMappings.Length is null or 0)
                return $"{who}: the {what} probes port {check.PortIndex}, but the service has {ports} port(s)";
        }
        return null;
    }
}
