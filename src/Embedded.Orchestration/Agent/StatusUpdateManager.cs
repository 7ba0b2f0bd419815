using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Diagnostics;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Agent;

/// <summary>
/// The agent's status updates, as Mesos's TaskStatusUpdateManager: one ordered stream per task, of
/// which only the head is in flight, re-sent with backoff until its framework acknowledges it, then
/// the next goes. Streams of frameworks that checkpoint are written to the agent's checkpoint before
/// they are sent. Owned by the agent's loop: every call comes from it, and so do the retries, which
/// the timers post back to that loop as <see cref="RetryUpdates"/>.
/// </summary>
internal sealed class StatusUpdateManager(
    TimeProvider time,
    TimeSpan retryInterval,
    TimeSpan maxRetryInterval,
    Action<AgentTaskKey, StatusUpdate> send,
    Func<AgentMessage, bool> post,
    Action<Action<AgentCheckpoint>> checkpoint)
{
    private readonly Dictionary<AgentTaskKey, Stream> _streams = [];

    /// <summary>Whether the task has updates its framework has not acknowledged.</summary>
    public bool HasPending(AgentTaskKey key) => _streams.ContainsKey(key);

    /// <summary>Queues an update behind the task's unacknowledged ones, and sends it if it is the head.</summary>
    public void Add(AgentTaskKey key, StatusUpdate update, bool checkpointed)
    {
        if (!_streams.TryGetValue(key, out var stream)) _streams[key] = stream = new Stream();
        stream.Checkpointed |= checkpointed;
        if (stream.Checkpointed) checkpoint(c => c.AppendUpdate(key.FrameworkId, key.TaskId, update));
        stream.Pending.Enqueue(update);
        if (stream.Pending.Count == 1) SendHead(key, stream, resetBackoff: true);
    }

    /// <summary>Takes back the unacknowledged updates a crashed predecessor checkpointed; they go once the agent is registered.</summary>
    public void Restore(AgentTaskKey key, IEnumerable<StatusUpdate> pending)
    {
        var stream = new Stream { Checkpointed = true };
        foreach (var update in pending) stream.Pending.Enqueue(update);
        if (stream.Pending.Count > 0) _streams[key] = stream;
    }

    /// <summary>
    /// Takes an acknowledgement: false when it is not for the head of the task's stream (a duplicate
    /// or a stray), which changes nothing. True, the next update goes; <paramref name="drained"/> says
    /// the stream is empty now, so the task may be forgotten once it has ended.
    /// </summary>
    public bool Acknowledge(AgentTaskKey key, Guid uuid, out bool drained)
    {
        drained = false;
        if (!_streams.TryGetValue(key, out var stream) || !stream.Pending.TryPeek(out var head) || head.Uuid != uuid) return false;
        stream.Pending.Dequeue();
        if (stream.Checkpointed) checkpoint(c => c.AppendAcknowledgement(key.FrameworkId, key.TaskId, uuid));
        stream.StopTimer();
        if (stream.Pending.Count > 0) SendHead(key, stream, resetBackoff: true);
        else
        {
            _streams.Remove(key);
            // Once every update is acknowledged nothing is pending: give back the room a burst of launches took.
            if (_streams.Count == 0) _streams.TrimExcess();
            drained = true;
        }
        return true;
    }

    /// <summary>A retry timer fired: re-sends the head, if it is still the one the timer was for, and doubles the wait.</summary>
    public void Retry(RetryUpdates m)
    {
        if (!_streams.TryGetValue(m.Key, out var stream) || !stream.Pending.TryPeek(out var head) || head.Uuid != m.Uuid) return;
        Telemetry.StatusUpdateRetries.Add(1);
        var next = stream.Backoff * 2;
        stream.Backoff = next > maxRetryInterval ? maxRetryInterval : next;
        SendHead(m.Key, stream, resetBackoff: false);
    }

    /// <summary>Sends every head again now, with the backoff reset: the master can hear the agent again.</summary>
    public void ResendAll()
    {
        foreach (var (key, stream) in _streams) SendHead(key, stream, resetBackoff: true);
    }

    /// <summary>Sends the heads of one framework's streams again now: it subscribed again after a failover.</summary>
    public void Resend(string frameworkId)
    {
        foreach (var (key, stream) in _streams)
            if (key.FrameworkId == frameworkId) SendHead(key, stream, resetBackoff: true);
    }

    /// <summary>Every update queued behind an unacknowledged head, for an agent that leaves and cannot wait for acknowledgements.</summary>
    public IEnumerable<(AgentTaskKey Key, StatusUpdate Update)> QueuedBehindHeads() =>
        _streams.SelectMany(s => s.Value.Pending.Skip(1).Select(u => (s.Key, u)));

    /// <summary>Drops one framework's streams (nobody will acknowledge them) and returns their tasks.</summary>
    public List<AgentTaskKey> DropFramework(string frameworkId)
    {
        var dropped = _streams.Keys.Where(k => k.FrameworkId == frameworkId).ToList();
        foreach (var key in dropped)
        {
            _streams[key].StopTimer();
            _streams.Remove(key);
        }
        return dropped;
    }

    /// <summary>Drops every stream: the master gave the agent up, or the agent stops.</summary>
    public void Clear()
    {
        foreach (var stream in _streams.Values) stream.StopTimer();
        _streams.Clear();
    }

    private void SendHead(AgentTaskKey key, Stream stream, bool resetBackoff)
    {
        if (!stream.Pending.TryPeek(out var head)) return;
        if (resetBackoff) stream.Backoff = retryInterval;
        send(key, head);
        stream.StopTimer();
        var retry = new RetryUpdates(key, head.Uuid!.Value);
        stream.RetryTimer = time.CreateTimer(_ => post(retry), null, stream.Backoff, Timeout.InfiniteTimeSpan);
    }

    private sealed class Stream
    {
        public Queue<StatusUpdate> Pending { get; } = new();
        public ITimer? RetryTimer { get; set; }
        public TimeSpan Backoff { get; set; }
        public bool Checkpointed { get; set; }

        public void StopTimer()
        {
            RetryTimer?.Dispose();
            RetryTimer = null;
        }
    }
}
