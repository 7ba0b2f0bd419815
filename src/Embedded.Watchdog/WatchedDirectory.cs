namespace Embedded.Watchdog;

/// <summary>A work directory the watchdog takes care of: its agent's lease id, recovery timeout and engines.</summary>
internal sealed record WatchedDirectory(string Path, string LeaseId, TimeSpan RecoveryTimeout, bool Temporary)
{
    public HashSet<Uri> Engines { get; } = [];
}
