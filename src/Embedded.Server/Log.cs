using Microsoft.Extensions.Logging;

namespace Embedded.Server;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Framework {FrameworkId} subscribed over HTTP from {Remote} (stream {StreamId})")]
    public static partial void Subscribed(ILogger logger, string frameworkId, string? remote, string streamId);

    [LoggerMessage(2, LogLevel.Information, "Framework {FrameworkId} HTTP stream {StreamId} ended")]
    public static partial void StreamEnded(ILogger logger, string frameworkId, string streamId);

    [LoggerMessage(3, LogLevel.Warning, "Framework {FrameworkId} does not read its event stream ({Buffered} events waiting): disconnecting it")]
    public static partial void SlowSubscriber(ILogger logger, string frameworkId, int buffered);

    [LoggerMessage(4, LogLevel.Debug, "{Path}: {Status} {Message}")]
    public static partial void Refused(ILogger logger, string path, int status, string message);

    [LoggerMessage(6, LogLevel.Information, "An operator event stream ended: {Why}")]
    public static partial void OperatorStreamEnded(ILogger logger, string why);

    [LoggerMessage(7, LogLevel.Information, "KILL_TASK of task {TaskId} by {Principal}: {Outcome}")]
    public static partial void OperatorKill(ILogger logger, string taskId, string principal, Orchestration.Scheduling.TaskKillOutcome outcome);

    [LoggerMessage(5, LogLevel.Information, "Cluster API authentication: {Mode}")]
    public static partial void Authentication(ILogger logger, string mode);

    [LoggerMessage(8, LogLevel.Information, "A dashboard event stream ended: {Why}")]
    public static partial void DashboardStreamEnded(ILogger logger, string why);
}
