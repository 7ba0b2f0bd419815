using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Agent;

internal sealed partial class AgentActor
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} registered with the master")]
    private partial void LogRegistered(string agentId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The master refused this agent: {Reason}")]
    private partial void LogRegistrationRefused(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a second launch of task {TaskId}, which runs already")]
    private partial void LogDuplicateLaunch(string taskId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Killing a task failed")]
    private partial void LogKillFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped an acknowledgement for task {TaskId} ({Uuid}): not the update in flight")]
    private partial void LogUnexpectedAck(string taskId, Guid uuid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a framework message for task {TaskId}: the task is not running or takes no messages")]
    private partial void LogMessageDropped(string taskId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registering anew, killing every task: {Reason}")]
    private partial void LogRegisterAnew(string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing the agent's checkpoint failed; a restart may not recover this task")]
    private partial void LogCheckpointFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovered task {TaskId} ({State}); reattached: {Reattached}")]
    private partial void LogRecovered(string taskId, Embedded.Orchestration.Model.TaskState state, bool reattached);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An executor failed to tidy up when the agent stopped")]
    private partial void LogExecutorStopFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not take the owner lease of the work directory; its tasks may outlive this process if it dies")]
    private partial void LogLeaseFailed(Exception exception);
}
