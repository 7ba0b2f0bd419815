using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Transport;

namespace Embedded.Orchestration.Master;

/// <summary>
/// The master that agents and clients reach now. A restarted master replaces the old one here, as a
/// new leading master would be detected in Mesos; agents are then told to register again.
/// </summary>
internal sealed class MasterLink
{
    private readonly Func<MasterActor> _create;
    private volatile MasterActor _current;
    private volatile TaskCompletionSource _replaced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MasterLink(Func<MasterActor> create, InProcessTransport transport)
    {
        _create = create;
        _current = create();
        transport.ConnectMaster(Post);
    }

    public MasterActor Current => _current;

    /// <summary>Completes once <paramref name="stale"/> is no longer the current master.</summary>
    public Task WhenReplacedAsync(MasterActor stale, CancellationToken cancellationToken)
    {
        var replaced = _replaced.Task;
        return _current != stale ? Task.CompletedTask : replaced.WaitAsync(cancellationToken);
    }

    public bool Post(MasterMessage message) => _current.Post(message);

    /// <summary>Stops the current master as a crash would (no goodbyes) and starts a fresh one from the durable registry.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await _current.StopAsync(cancellationToken).ConfigureAwait(false);
        var fresh = _create();
        fresh.StartMaster();
        _current = fresh;
        Interlocked.Exchange(ref _replaced, new(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult();
    }
}
