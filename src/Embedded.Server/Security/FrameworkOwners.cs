using System.Collections.Concurrent;

namespace Embedded.Server.Security;

/// <summary>
/// The principal each framework subscribed under: only it may make calls for that framework id or
/// subscribe again with it (fail over), as Mesos ties a framework to its principal.
/// </summary>
internal sealed class FrameworkOwners
{
    private readonly ConcurrentDictionary<string, string> _owners = new(StringComparer.Ordinal);

    public void Set(string frameworkId, string principal) => _owners[frameworkId] = principal;

    /// <summary>
    /// Throws 403 when <paramref name="frameworkId"/> belongs to another principal, or (with
    /// <paramref name="mustBeKnown"/>, for a failover) to none: a framework the app subscribed in
    /// process, such as its job scheduler, must not be taken over over HTTP.
    /// </summary>
    public void Require(string frameworkId, string principal, bool mustBeKnown = false)
    {
        var known = _owners.TryGetValue(frameworkId, out var owner);
        if ((known && owner != principal) || (!known && mustBeKnown))
            throw new Mesos.CallException(403, $"Principal '{principal}' is not allowed to make calls for framework {frameworkId}");
    }
}
