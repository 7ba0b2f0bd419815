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
            return $"task id '{Truncate(task.TaskId)}' must be at most {MaxIdLength} letters, digits, '.', '_' or '-'";
        if (task.Name is null) return "the task name is missing";
        if (task.Resources is null || task.Resources.IsEmpty) return "the task asks for no resources";
        if (task.Command is null && task.Delegate is null) return "the task has neither a command nor a delegate";
        if (task.Command is not null && task.Delegate is not null) return "the task has both a command and a delegate";
        if (task.Command is { } command && string.IsNullOrWhiteSpace(command.Value)) return "the task's command is empty";
        if (task.Delegate is { } name && string.IsNullOrWhiteSpace(name)) return "the task's delegate name is empty";
        if (task.MaxCompletionTime is { } max && max <= TimeSpan.Zero) return "max completion time must be positive";
        if (task.KillGracePeriod is { } grace && grace < TimeSpan.Zero) return "kill grace period cannot be negative";
        if (task.Labels.Count > MaxLabels) return $"the task has {task.Labels.Count} labels; at most {MaxLabels} are allowed";
        foreach (var (key, value) in task.Labels)
        {
            if (string.IsNullOrWhiteSpace(key)) return "a label has an empty key";
            if (key.Length > MaxLabelLength || (value?.Length ?? 0) > MaxLabelLength)
                return $"label '{Truncate(key)}' is longer than {MaxLabelLength} characters";
        }
        return null;
    }

    public static bool IsValidId(string id) =>
        id.Length is > 0 and <= MaxIdLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-') && id != "." && id != "..";

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
