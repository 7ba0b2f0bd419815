using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Master;

/// <summary>
/// The master's outstanding offers, and why recent ones were rescinded, so that an accept of a
/// rescinded offer is answered with the reason rather than "unknown". Owned by the master's loop.
/// </summary>
internal sealed class OfferBook(string masterId)
{
    private const int RememberedRescinds = 10_000;
    private readonly Dictionary<string, Offer> _offers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskReason> _rescinded = new(StringComparer.Ordinal);
    private readonly Queue<string> _rescindedOrder = new();
    private long _sequence;

    public IEnumerable<Offer> All => _offers.Values;

    public Offer this[string offerId] => _offers[offerId];

    /// <summary>An offer id unique to this master.</summary>
    public string NextId() => $"{masterId}-O{++_sequence}";

    public void Add(Offer offer) => _offers.Add(offer.OfferId, offer);

    public bool TryGet(string offerId, out Offer offer) => _offers.TryGetValue(offerId, out offer!);

    /// <summary>The offer was used or declined.</summary>
    public void Remove(string offerId) => _offers.Remove(offerId);

    /// <summary>The offer was taken back; a late accept of it learns <paramref name="reason"/>.</summary>
    public void Rescind(string offerId, TaskReason reason)
    {
        _offers.Remove(offerId);
        _rescinded[offerId] = reason;
        _rescindedOrder.Enqueue(offerId);
        while (_rescindedOrder.Count > RememberedRescinds) _rescinded.Remove(_rescindedOrder.Dequeue());
    }

    public bool WasRescinded(string offerId, out TaskReason reason) => _rescinded.TryGetValue(offerId, out reason);
}
