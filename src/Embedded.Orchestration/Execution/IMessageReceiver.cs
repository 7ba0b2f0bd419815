namespace Embedded.Orchestration.Execution;

/// <summary>A running task that takes framework messages (Mesos's executor messages).</summary>
public interface IMessageReceiver
{
    void Receive(ReadOnlyMemory<byte> data);
}
