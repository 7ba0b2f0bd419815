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

    public static bool IsValidId(string id) =>
        id.Length is > 0 and <= MaxIdLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-') && id != "." && id != "..";
}
