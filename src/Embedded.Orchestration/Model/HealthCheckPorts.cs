namespace Embedded.Orchestration.Model;

/// <summary>Which host port a check probes: a container mapping's by <see cref="HealthCheck.PortName"/>, else the task's <see cref="HealthCheck.PortIndex"/>th port in PORT0, PORT1, … order (its <c>ports</c> resource, ascending, as schedulers assign them).</summary>
internal static class HealthCheckPorts
{
    /// <summary>The host port, or null when the task has no such port.</summary>
    public static int? HostPort(HealthCheck check, TaskInfo task)
    {
        if (check.PortName is { } name)
            return task.Container?.PortMappings.FirstOrDefault(m => m.Name == name) is { HostPort: > 0 and var port } ? port : null;
        if (check.PortIndex < 0) return null;
        var index = (ulong)check.PortIndex;
        foreach (var range in task.Resources.Ports.Ranges)
        {
            if (index < range.Count) return range.Begin + index is var port and <= 65535 ? (int)port : null;
            index -= range.Count;
        }
        return null;
    }

    /// <summary>The index of <paramref name="port"/> among the task's ports (PORTn), or null when it is not one of them.</summary>
    public static int? IndexOf(ulong port, Resources resources)
    {
        ulong index = 0;
        foreach (var range in resources.Ports.Ranges)
        {
            if (port >= range.Begin && port <= range.End) return index + (port - range.Begin) is var i and <= int.MaxValue ? (int)i : null;
            index += range.Count;
        }
        return null;
    }
}
