namespace Embedded.Orchestration.Execution;

/// <summary>A running task that runs on another machine than its agent (a container on a remote engine): where its host ports are reached.</summary>
internal interface ITaskHost
{
    /// <summary>The host name or address its host ports listen on.</summary>
    string Host { get; }
}
