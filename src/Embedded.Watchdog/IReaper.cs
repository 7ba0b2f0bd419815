namespace Embedded.Watchdog;

/// <summary>What the watchdog does to a work directory once its owner is gone; a seam for the tests of <see cref="Watchdog"/>'s decisions.</summary>
internal interface IReaper
{
    /// <summary>
    /// Kills the work directory's task processes and removes its containers: all of them, or only
    /// those of frameworks that do not checkpoint. Returns whether checkpointed ones remain.
    /// </summary>
    Task<bool> SweepAsync(WatchedDirectory directory, bool checkpointedToo, CancellationToken cancellationToken);

    /// <summary>Whether another live process has started an agent on the work directory since (it wrote meta/owner).</summary>
    bool IsTakenOver(WatchedDirectory directory);

    /// <summary>Removes a temporary work directory.</summary>
    void RemoveDirectory(WatchedDirectory directory);
}
