using Microsoft.Extensions.Logging;

namespace Embedded.Client;

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "The event stream of framework {FrameworkId} from {Master} broke; the session has ended")]
    public static partial void StreamBroke(ILogger logger, string frameworkId, Uri master, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not read the output of task {TaskId} for its final status")]
    public static partial void OutputUnread(ILogger logger, string taskId, Exception exception);
}
