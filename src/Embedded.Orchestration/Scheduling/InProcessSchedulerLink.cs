using Embedded.Orchestration.Master;
using Embedded.Orchestration.Transport;

namespace Embedded.Orchestration.Scheduling;

/// <summary>A session's calls posted straight into the master's inbox.</summary>
internal sealed class InProcessSchedulerLink(MasterActor master, string frameworkId, string connection, InProcessTransport transport) : ISchedulerLink
{
    public Task CallAsync(FrameworkCall call, CancellationToken cancellationToken)
    {
        if (!master.Post(call)) return Task.FromException(new InvalidOperationException("the master has stopped"));
        return call.Reply.Task.WaitAsync(cancellationToken);
    }

    public void Disconnect()
    {
        if (!master.Post(new Disconnect(frameworkId, connection))) transport.Close(connection);
    }
}
