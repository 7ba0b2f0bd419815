namespace Embedded.Watchdog;

/// <summary>
/// Reads the owner's commands until EOF (the owner is gone, however it went: the OS closed its end
/// of the pipe), then: removes at once every task of frameworks that do not checkpoint; gives those
/// that checkpoint the recovery timeout for an agent to take the work directory over, and removes
/// them past it; removes temporary work directories; and exits. It exits with nothing to do as
/// soon as the owner is gone, so it never outlives its duty.
/// </summary>
internal sealed class Watchdog(OwnerIdentity owner, IReaper reaper, ProcessTable processes, TimeProvider time, Journal journal)
{
    /// <summary>
    /// A second sweep after this long catches a container whose create request was in flight at the
    /// engine when the owner died, and a process started just then.
    /// </summary>
    public static readonly TimeSpan SettleDelay = TimeSpan.FromSeconds(2);

    /// <summary>How often a waiting watchdog looks for an agent that took its work directory over.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often the owner's liveness is checked while its pipe stays open: should another process
    /// have inherited the pipe's write end, EOF would never come, but the owner's death still counts.
    /// </summary>
    public static readonly TimeSpan OwnerCheckInterval = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, WatchedDirectory> _watched = new(StringComparer.Ordinal);

    public IReadOnlyCollection<WatchedDirectory> Watched => _watched.Values;

    public async Task RunAsync(TextReader input, CancellationToken cancellationToken)
    {
        journal.Write($"watching for owner {owner}");
        await ReadUntilOwnerGoneAsync(input, cancellationToken).ConfigureAwait(false);
        journal.Write($"owner {owner} is gone; {_watched.Count} work directories to take care of");
        await ReapAsync(cancellationToken).ConfigureAwait(false);
        journal.Write("done");
    }

    /// <summary>Applies one command line; bad lines are journalled and skipped.</summary>
    public void Apply(string line)
    {
        if (!WatchCommand.TryParse(line, out var command, out var error))
        {
            journal.Write($"ignored: {error}");
            return;
        }
        switch (command)
        {
            case WatchCommand.Watch w:
                var entry = new WatchedDirectory(w.WorkDirectory, w.LeaseId, w.RecoveryTimeout, w.Temporary);
                if (_watched.TryGetValue(w.WorkDirectory, out var previous)) entry.Engines.UnionWith(previous.Engines);
                _watched[w.WorkDirectory] = entry;
                journal.Write($"watch {w.WorkDirectory} lease {w.LeaseId} recovery {w.RecoveryTimeout} temporary {w.Temporary}");
                break;
            case WatchCommand.Engine e:
                if (_watched.TryGetValue(e.WorkDirectory, out var watched)) watched.Engines.Add(e.Endpoint);
                else journal.Write($"ignored: engine for {e.WorkDirectory}, which is not watched");
                break;
            case WatchCommand.Release r:
                _watched.Remove(r.WorkDirectory);
                journal.Write($"release {r.WorkDirectory}");
                break;
        }
    }

    private async Task ReadUntilOwnerGoneAsync(TextReader input, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ownerGone = WaitForOwnerDeathAsync(stop.Token);
        try
        {
            while (true)
            {
                var read = input.ReadLineAsync(stop.Token).AsTask();
                var first = await Task.WhenAny(read, ownerGone).ConfigureAwait(false);
                if (first == ownerGone)
                {
                    journal.Write("owner died while its pipe stayed open (another process holds its write end)");
                    return;
                }
                string? line;
                try
                {
                    line = await read.ConfigureAwait(false);
                }
                catch (IOException)
                {
                    return; // A broken pipe is an owner gone too.
                }
                if (line is null) return;
                if (line.Length > 0) Apply(line);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Completes when the owner, once seen alive, no longer is. An owner never seen alive (its start
    /// time could not be read the same way) is left to EOF alone, so a misread never reaps a live owner.
    /// </summary>
    private async Task WaitForOwnerDeathAsync(CancellationToken cancellationToken)
    {
        if (!processes.IsAlive(owner)) await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        while (processes.IsAlive(owner)) await Task.Delay(OwnerCheckInterval, time, cancellationToken).ConfigureAwait(false);
    }

    private async Task ReapAsync(CancellationToken cancellationToken)
    {
        if (_watched.Count == 0) return;
        var started = time.GetUtcNow();
        var waiting = new List<WatchedDirectory>();
        foreach (var directory in _watched.Values)
            if (await SafeSweepAsync(directory, checkpointedToo: false, cancellationToken).ConfigureAwait(false)) waiting.Add(directory);

        await Task.Delay(SettleDelay, time, cancellationToken).ConfigureAwait(false);
        foreach (var directory in _watched.Values)
        {
            var left = await SafeSweepAsync(directory, checkpointedToo: false, cancellationToken).ConfigureAwait(false);
            if (left && !waiting.Contains(directory)) waiting.Add(directory);
            if (!waiting.Contains(directory)) Finish(directory);
        }

        // Checkpointed tasks wait for an agent to come back, as Mesos's agent waits its recovery timeout.
        while (waiting.Count > 0)
        {
            var now = time.GetUtcNow();
            foreach (var directory in waiting.ToList())
            {
                if (reaper.IsTakenOver(directory))
                {
                    journal.Write($"{directory.Path}: an agent took it over; leaving its tasks to it");
                    waiting.Remove(directory);
                }
                else if (now - started >= directory.RecoveryTimeout)
                {
                    journal.Write($"{directory.Path}: no agent came back within {directory.RecoveryTimeout}; removing its checkpointed tasks");
                    await SafeSweepAsync(directory, checkpointedToo: true, cancellationToken).ConfigureAwait(false);
                    Finish(directory);
                    waiting.Remove(directory);
                }
            }
            if (waiting.Count > 0) await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Finish(WatchedDirectory directory)
    {
        if (!directory.Temporary) return;
        try
        {
            reaper.RemoveDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            journal.Write($"{directory.Path}: removing it failed: {e.Message}");
        }
    }

    /// <summary>A sweep that fails (an engine that does not answer) is journalled; the others still run.</summary>
    private async Task<bool> SafeSweepAsync(WatchedDirectory directory, bool checkpointedToo, CancellationToken cancellationToken)
    {
        try
        {
            return await reaper.SweepAsync(directory, checkpointedToo, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            journal.Write($"{directory.Path}: sweep failed: {e.GetType().Name}: {e.Message}");
            return false;
        }
    }
}
