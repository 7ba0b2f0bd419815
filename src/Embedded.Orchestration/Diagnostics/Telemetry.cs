using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Embedded.Orchestration.Diagnostics;

/// <summary>The meter and activity source every component reports through, both named "Embedded.Orchestration".</summary>
internal static class Telemetry
{
    public const string Name = "Embedded.Orchestration";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> OffersSent = Meter.CreateCounter<long>("embedded.offers.sent", "{offer}");
    public static readonly Counter<long> OffersDeclined = Meter.CreateCounter<long>("embedded.offers.declined", "{offer}");
    public static readonly Counter<long> TasksLaunched = Meter.CreateCounter<long>("embedded.tasks.launched", "{task}");
    public static readonly Counter<long> TasksRefused = Meter.CreateCounter<long>("embedded.tasks.refused", "{task}", "launches the master turned into a status with a reason");
    public static readonly Counter<long> StatusUpdates = Meter.CreateCounter<long>("embedded.status_updates", "{update}");
    public static readonly Counter<long> StatusUpdateRetries = Meter.CreateCounter<long>("embedded.status_updates.retries", "{update}");
    public static readonly Histogram<double> AllocationCycle = Meter.CreateHistogram<double>("embedded.allocation.duration", "ms", "time of one allocation cycle");
}
