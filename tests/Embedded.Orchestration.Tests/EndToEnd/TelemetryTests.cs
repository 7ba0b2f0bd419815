using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;

namespace Embedded.Orchestration.Tests.EndToEnd;

/// <summary>Counters, histograms and launch traces come out under the name "Embedded.Orchestration".</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task A_job_shows_up_in_metrics_and_traces()
    {
        var measurements = new ConcurrentDictionary<string, double>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Embedded.Orchestration") listener.EnableMeasurementEvents(instrument);
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, _, _) => measurements.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
        meters.SetMeasurementEventCallback<double>((instrument, value, _, _) => measurements.AddOrUpdate(instrument.Name, 1, (_, count) => count + 1));
        meters.Start();

        var launches = new ConcurrentBag<Activity>();
        using var traces = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Embedded.Orchestration",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = launches.Add,
        };
        ActivitySource.AddActivityListener(traces);

        await using var cluster = await MiniCluster.StartAsync(agents: 1);
        var result = await cluster.Jobs.RunAsync(Job.Shell("true") with { Id = "traced" }).WaitAsync(TimeSpan.FromSeconds(30));
        result.State.Should().Be(TaskState.Finished);

        measurements.Should().ContainKey("embedded.offers.sent").WhoseValue.Should().BeGreaterThanOrEqualTo(1);
        measurements.Should().ContainKey("embedded.tasks.launched").WhoseValue.Should().BeGreaterThanOrEqualTo(1);
        measurements.Should().ContainKey("embedded.status_updates").WhoseValue.Should().BeGreaterThanOrEqualTo(3, "STARTING, RUNNING and FINISHED");
        measurements.Should().ContainKey("embedded.allocation.duration");
        launches.Should().Contain(a => a.OperationName == "launch task" && (string?)a.GetTagItem("task.id") == "traced.1");
    }
}
