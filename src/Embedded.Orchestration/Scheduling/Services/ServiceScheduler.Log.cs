using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Scheduling.Services;

internal sealed partial class ServiceScheduler
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service} deployed with {Instances} instance(s)")]
    private partial void LogDeployed(string service, int instances);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service} scaled to {Instances} instance(s)")]
    private partial void LogScaled(string service, int instances);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service} rolls to version {Version}")]
    private partial void LogUpdating(string service, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service}: the update made no progress within its healthy deadline; reverted to version {Version}")]
    private partial void LogReverted(string service, int version);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Service {Service} launches {TaskId} on {AgentId}")]
    private partial void LogLaunching(string service, string taskId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: instance ended {Status}; it will be replaced")]
    private partial void LogInstanceEnded(string service, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: instance {TaskId} is unreachable; a replacement starts elsewhere")]
    private partial void LogUnreachable(string service, string taskId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service} stops")]
    private partial void LogStopping(string service);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service} stopped")]
    private partial void LogStopped(string service);

    [LoggerMessage(Level = LogLevel.Information, Message = "The service scheduler subscribed again as {FrameworkId}")]
    private partial void LogResubscribed(string frameworkId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The master reported an error to the service scheduler: {Message}")]
    private partial void LogMasterError(string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A call of the service scheduler failed")]
    private partial void LogCallFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The service scheduler's event stream failed")]
    private partial void LogSessionFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The service scheduler could not read or write its specs")]
    private partial void LogStoreFailed(Exception exception);
}
