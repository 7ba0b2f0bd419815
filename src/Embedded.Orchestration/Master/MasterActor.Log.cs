using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Master;

internal sealed partial class MasterActor
{
    [LoggerMessage(Level = LogLevel.Information, Message = "An operator kills task {TaskId} of framework {FrameworkId} on agent {AgentId}")]
    private partial void LogOperatorKill(string taskId, string frameworkId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} registered with {Resources}")]
    private partial void LogAgentRegistered(string agentId, string resources);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovered {Agents} agents and {Frameworks} frameworks from the registry; waiting for them to come back")]
    private partial void LogRecovered(int agents, int frameworks);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} registered again with {Tasks} tasks")]
    private partial void LogAgentReregistered(string agentId, int tasks);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {AgentId} disconnected: it gets no offers until it registers again, and is unreachable if it misses its heartbeats")]
    private partial void LogAgentDisconnected(string agentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {AgentId} is unreachable: {Why}")]
    private partial void LogAgentUnreachable(string agentId, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} removed: {Why}")]
    private partial void LogAgentRemoved(string agentId, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Framework {FrameworkId} ({Name}, role {Role}) subscribed; failover: {Failover}")]
    private partial void LogFrameworkSubscribed(string frameworkId, string name, string role, bool failover);

    [LoggerMessage(Level = LogLevel.Information, Message = "Framework {FrameworkId} disconnected; it may subscribe again within {Timeout}")]
    private partial void LogFrameworkDisconnected(string frameworkId, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "Framework {FrameworkId} removed: {Why}")]
    private partial void LogFrameworkRemoved(string frameworkId, string why);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Launching task {TaskId} of framework {FrameworkId} on agent {AgentId} with {Resources}")]
    private partial void LogTaskLaunching(string taskId, string frameworkId, string agentId, string resources);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused task {TaskId} of framework {FrameworkId}: {State} ({Reason}) {Message}")]
    private partial void LogTaskRefused(string taskId, string frameworkId, TaskState state, TaskReason reason, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watcher {Connection} fell behind the cluster's events and was disconnected")]
    private partial void LogWatcherDropped(string connection);
}
