using Embedded.Orchestration.Scheduling;

namespace Embedded.Orchestration.Master;

/// <summary>The master's side of watchers (the operator API's SUBSCRIBE): the state first, then each change.</summary>
internal sealed partial class MasterActor
{
    private void OnWatch(WatchCluster m)
    {
        if (!_transport.Send(m.Connection, new ClusterSubscribed(Snapshot()))) return; // Gone already.
        _watchers.Add(m.Connection);
    }

    private void OnUnwatch(UnwatchCluster m)
    {
        _watchers.Remove(m.Connection);
        _transport.Close(m.Connection);
    }

    /// <summary>Whether anyone watches: callers test it first, so that an unwatched master builds no events on its hot paths.</summary>
    private bool Watched => _watchers.Count > 0;

    /// <summary>
    /// Tells every watcher; one whose buffer is full is cut off, as Mesos drops a subscriber that
    /// does not read, so that a slow reader never makes the master grow.
    /// </summary>
    private void Publish(ClusterEvent e)
    {
        List<string>? behind = null;
        foreach (var watcher in _watchers)
            if (!_transport.Send(watcher, e)) (behind ??= []).Add(watcher);
        if (behind is null) return;
        foreach (var watcher in behind)
        {
            _watchers.Remove(watcher);
            _transport.Close(watcher, new InvalidOperationException("the watcher fell behind the cluster's events and was disconnected; watch again for a fresh state"));
            LogWatcherDropped(watcher);
        }
    }
}
