namespace Embedded.Orchestration.Protocol;

/// <summary>
/// Where the master reaches one running agent: its id and the incarnation of its process, so that a
/// message for an agent that crashed and started again never reaches the new one. Plain data, as
/// every record between master and agents is; a transport resolves it to a link.
/// </summary>
internal readonly record struct AgentAddress(string AgentId, string Incarnation)
{
    public static AgentAddress New(string agentId) => new(agentId, Guid.NewGuid().ToString("N"));

    public override string ToString() => $"{AgentId}@{Incarnation[..8]}";
}
