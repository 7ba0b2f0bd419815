using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Master;

/// <summary>Checks of a task's own fields, before the master looks at offers and resources.</summary>
internal static class TaskValidation
{
    public const int MaxIdLength = 200;
    public const int MaxLabels = 64;
    public const int MaxLabelLength = 4096;

    /// <summary>Returns why the task is invalid, or null when it is well formed.</summary>
    public static string? Validate(TaskInfo task)
    {
        if (string.IsNullOrWhiteSpace(task.TaskId)) return "the task id is empty";
        if (!IsValidId(task.TaskId))
            return $"task id '{Abbreviation.Abbreviate(task.TaskId)}' must be at most {MaxIdLength} letters, digits, '.', '_' or '-'";
        if (task.Name is null) return "the task name is missing";
        if (task.Resources is null || task.Resources.IsEmpty) return "the task asks for no resources";
        var kinds = (task.Command is null ? 0 : 1) + (task.Delegate is null ? 0 : 1) + (task.Container is null ? 0 : 1);
        if (kinds == 0) return "the task has no command, container or delegate";
        if (kinds > 1) return "the task has more than one of a command, a container and a delegate";
        if (task.Container is { } container && ValidateContainer(container, task.Resources) is { } containerError) return containerError;
        if (task.Command is { } command && string.IsNullOrWhiteSpace(command.Value)) return "the task's command is empty";
        if (task.Delegate is { } name && string.IsNullOrWhiteSpace(name)) return "the task's delegate name is empty";
        if (task.MaxCompletionTime is { } max && max <= TimeSpan.Zero) return "max completion time must be positive";
        if (task.KillGracePeriod is { } grace && grace < TimeSpan.Zero) return "kill grace period cannot be negative";
        if (task.HealthCheck is { } health && ValidateCheck(health, "health check", task) is { } healthError) return healthError;
        if (task.ReadinessCheck is { } ready && ValidateCheck(ready, "readiness check", task) is { } readyError) return readyError;
        if (task.Labels.Count > MaxLabels) return $"the task has {task.Labels.Count} labels; at most {MaxLabels} are allowed";
        foreach (var (key, value) in task.Labels)
        {
            if (string.IsNullOrWhiteSpace(key)) return "a label has an empty key";
            if (key.Length > MaxLabelLength || (value?.Length ?? 0) > MaxLabelLength)
                return $"label '{Abbreviation.Abbreviate(key)}' is longer than {MaxLabelLength} characters";
        }
        return null;
    }

    private static string? ValidateContainer(ContainerSpec container, Resources resources)
    {
        if (string.IsNullOrWhiteSpace(container.Image)) return "the container has no image";
        if (container.Image.Length > 512 || container.Image.Any(char.IsWhiteSpace)) return $"image name '{Abbreviation.Abbreviate(container.Image)}' is not valid";
        var ports = resources.Ports;
        foreach (var mapping in container.PortMappings)
        {
            if (mapping.ContainerPort is < 1 or > 65535) return $"container port {mapping.ContainerPort} is not between 1 and 65535";
            if (mapping.HostPort is < 1 or > 65535) return $"host port {mapping.HostPort} for container port {mapping.ContainerPort} is not between 1 and 65535";
            if (!ports.Contains((ulong)mapping.HostPort)) return $"host port {mapping.HostPort} is not among the task's ports resources ({ports})";
            if (mapping.Protocol is not ("tcp" or "udp" or "sctp")) return $"protocol '{mapping.Protocol}' must be tcp, udp or sctp";
        }
        if (container.PortMappings.Select(m => (m.HostPort, m.Protocol)).Distinct().Count() != container.PortMappings.Length)
            return "two port mappings use the same host port";
        foreach (var volume in container.Volumes)
        {
            if (string.IsNullOrWhiteSpace(volume.Source) || string.IsNullOrWhiteSpace(volume.Target)) return "a volume needs a source and a target";
            if (volume.Source.Contains("..") || volume.Target.Contains("..")) return $"volume '{Abbreviation.Abbreviate(volume.Source)}' may not contain '..'";
        }
        if (container.Os is { } os && os is not ("linux" or "windows")) return $"os '{os}' must be linux or windows";
        return null;
    }

    /// <summary>The longest delay, interval, timeout or grace period a check may name.</summary>
    public static readonly TimeSpan MaxCheckTime = TimeSpan.FromDays(1);

    private static string? ValidateCheck(HealthCheck check, string what, TaskInfo task)
    {
        foreach (var (name, value, positive) in (ReadOnlySpan<(string, TimeSpan, bool)>)[
            ("delay", check.Delay, false), ("interval", check.Interval, true), ("timeout", check.Timeout, true), ("grace period", check.GracePeriod, false)])
        {
            if (positive ? value <= TimeSpan.Zero : value < TimeSpan.Zero)
                return $"the {what}'s {name} ({value}) must be {(positive ? "positive" : "zero or more")}";
            if (value > MaxCheckTime) return $"the {what}'s {name} ({value}) must be at most {MaxCheckTime.TotalHours:0} hours";
        }
        if (check.ConsecutiveFailures < 1) return $"the {what}'s consecutive failures ({check.ConsecutiveFailures}) must be at least 1";
        switch (check.Kind)
        {
            case HealthCheckKind.Command:
                if (check.Command is not { } command || string.IsNullOrWhiteSpace(command.Value)) return $"the {what} is a command check with no command";
                return null;
            case HealthCheckKind.Http or HealthCheckKind.Tcp:
                if (check.Kind == HealthCheckKind.Http)
                {
                    if (string.IsNullOrEmpty(check.Path) || check.Path[0] != '/' || check.Path.Length > 2048 || check.Path.Any(char.IsControl))
                        return $"the {what}'s path '{Abbreviation.Abbreviate(check.Path ?? "")}' must start with '/'";
                    if (check.ExpectedStatus is { } status and (< 100 or > 599)) return $"the {what}'s expected status {status} is not an HTTP status";
                }
                if (check.PortName is { } portName)
                {
                    if (task.Container?.PortMappings.Any(m => m.Name == portName) != true)
                        return $"the {what} names port '{Abbreviation.Abbreviate(portName)}', which no port mapping of the task's container has";
                    return null;
                }
                var ports = task.Resources.Ports.Count;
                if (ports == 0) return $"the {what} probes a port, but the task has no ports";
                if (check.PortIndex < 0 || (ulong)check.PortIndex >= ports)
                    return $"the {what}'s port index {check.PortIndex} is beyond the task's {ports} port{(ports == 1 ? "" : "s")} (PORT0{(ports > 1 ? $"..PORT{ports - 1}" : "")})";
                return null;
            default:
                return $"the {what}'s kind {check.Kind} is not Http, Tcp or Command";
        }
    }

    public static bool IsValidId(string id) =>
        id.Length is > 0 and <= MaxIdLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-') && id != "." && id != "..";
}
