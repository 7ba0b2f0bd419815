using Embedded.Orchestration.Agent;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Lease;

/// <summary>
/// One agent's part of the owner lease. Its work directory holds the lease id, which labels its
/// containers (<c>embedded.lease</c>) so that a watchdog removes exactly this agent's and no other
/// agent's of the same name, and the owner (<c>meta/owner</c>), which tells a waiting watchdog of a
/// dead predecessor that an agent has come back.
/// </summary>
internal sealed class AgentLease
{
    private readonly string _workDirectory;
    private readonly TimeSpan _recoveryTimeout;
    private readonly bool _temporary;
    private readonly bool _enabled;
    private readonly OwnerLease _owner;
    private readonly ILogger _logger;
    private readonly Lazy<string> _id;

    public AgentLease(string workDirectory, TimeSpan recoveryTimeout, bool temporary, bool enabled, ILogger logger, OwnerLease? owner = null)
    {
        _workDirectory = Path.GetFullPath(workDirectory);
        _recoveryTimeout = recoveryTimeout;
        _temporary = temporary;
        _enabled = enabled && _workDirectory.IndexOfAny(['\t', '\n', '\r']) < 0;
        _owner = owner ?? OwnerLease.Shared;
        _logger = logger;
        _id = new Lazy<string>(ReadOrCreateId);
    }

    /// <summary>The lease id, kept in the work directory (meta/lease-id) so that an agent restarted by another process keeps it.</summary>
    public string Id => _id.Value;

    /// <summary>Takes the work directory over and asks the watchdog to take care of it should this process die.</summary>
    public void Acquire()
    {
        // A temporary directory's name is this process's secret: no other process can come back to it.
        if (!_temporary)
        {
            var layout = new WorkDirectoryLayout(_workDirectory);
            Directory.CreateDirectory(layout.Meta);
            var owner = layout.Owner;
            File.WriteAllText(owner + ".tmp", OwnerIdentityInfo.Current.ToFileText());
            File.Move(owner + ".tmp", owner, overwrite: true);
        }
        if (_enabled) _owner.Watch(_workDirectory, Id, _recoveryTimeout, _temporary, _logger);
    }

    /// <summary>Containers of this agent run on this engine too.</summary>
    public void WatchEngine(Uri endpoint)
    {
        if (_enabled) _owner.WatchEngine(_workDirectory, endpoint, _logger);
    }

    /// <summary>The agent stopped and removed its tasks itself.</summary>
    public void Release()
    {
        if (_enabled) _owner.Release(_workDirectory, _logger);
    }

    private string ReadOrCreateId()
    {
        // A temporary directory lives only as long as this process: the id needs no file to outlive it.
        if (_temporary) return Guid.NewGuid().ToString("N");
        var file = new WorkDirectoryLayout(_workDirectory).LeaseId;
        if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: 32 } existing && existing.All(char.IsAsciiHexDigit)) return existing;
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var id = Guid.NewGuid().ToString("N");
        // One small write: should a crash tear it, the next start makes a new id, and only the old
        // containers' label is orphaned (the agent's own sweep at start still finds them by name).
        File.WriteAllText(file, id);
        return id;
    }
}
