using System.Collections.Concurrent;

namespace Embedded.Server.Scheduler;

/// <summary>
/// The live subscriptions by framework id. A framework that subscribes again replaces its old one
/// (as Mesos does on failover); an ending stream removes only itself.
/// </summary>
internal sealed class Subscriptions
{
    private readonly ConcurrentDictionary<string, Subscription> _byFramework = new(StringComparer.Ordinal);

    public void Add(Subscription subscription) => _byFramework[subscription.FrameworkId] = subscription;

    public void Remove(Subscription subscription) =>
        _byFramework.TryRemove(new KeyValuePair<string, Subscription>(subscription.FrameworkId, subscription));

    public Subscription? Find(string frameworkId) => _byFramework.GetValueOrDefault(frameworkId);

    public int Count => _byFramework.Count;
}
