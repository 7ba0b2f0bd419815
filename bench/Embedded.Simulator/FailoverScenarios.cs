using System.Diagnostics;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Master;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace Embedded.Simulator;

/// <summary>
/// Master failover at scale: the real master, allocator and agents in one process (MiniCluster) with a
/// master work directory, delegate tasks that run until killed, then the master stopped as a crash
/// would and a new one started on the same registry. Timed from the new master's start until every
/// agent is back with all its tasks, the state answers with them, and every framework has subscribed
/// again and had a task reconciled. Mesos 1.5 took about 4.5 s for 10,000 agents and 100,000 tasks.
/// </summary>
internal static class FailoverScenarios
{
    private const double MesosSeconds = 4.5;

    /// <summary>Returns the worst restart's total, in ms.</summary>
    public static async Task<double> RunAsync(int agents, int tasks, int frameworks, int restarts, TimeSpan timeout, int pauseSeconds = 0)
    {
        var work = Directory.CreateTempSubdirectory("embedded-failover-");
        var started = Stopwatch.GetTimestamp();
        var perAgent = (tasks + agents - 1) / agents;
        var cpus = Math.Max(1, perAgent * 0.01 + 1);
        await using var cluster = await MiniCluster.StartAsync(configure: options =>
        {
            options.Master.WorkDirectory = Path.Combine(work.FullName, "master");
            options.Master.Allocator.AllocationInterval = TimeSpan.FromMilliseconds(100);
            for (var a = 0; a < agents; a++)
            {
                var agent = options.AddAgent($"agent-{a}", Samples.Format($"cpus:{cpus};mem:{perAgent + 1024};ports:[31000-31999]")).UseDelegates();
                agent.WorkDirectory = Path.Combine(work.FullName, $"agent-{a}");
            }
        });
        Measure.Line($"Failover: {agents} agents started in {Measure.Ms(started):F0} ms");
        cluster.ServiceProvider.GetRequiredService<DelegateRegistry>().Register("hold", static async (_, ct) =>
        {
            try { await Task.Delay(Timeout.Infinite, ct); } catch (OperationCanceledException) { }
            return 0;
        });

        using var cts = new CancellationTokenSource(timeout);
        var infos = new List<FrameworkInfo>();
        var runs = new List<Task<int>>();
        var sessions = new List<SchedulerSession>();
        var launching = Stopwatch.GetTimestamp();
        for (var f = 0; f < frameworks; f++)
        {
            var session = await cluster.Client.SubscribeAsync(new FrameworkInfo($"bench-{f}", Role: $"bench{f % 4}") { FailoverTimeout = TimeSpan.FromHours(1) }, cts.Token);
            sessions.Add(session);
            infos.Add(new FrameworkInfo($"bench-{f}", Role: $"bench{f % 4}") { FailoverTimeout = TimeSpan.FromHours(1), FrameworkId = session.FrameworkId });
            var index = f;
            runs.Add(Task.Run(() => EndToEndScenarios.DriveAsync(session, index, tasks / frameworks, static () => { }, cts.Token)));
        }
        var running = (await Task.WhenAll(runs)).Sum();
        Measure.Line($"  {running} tasks RUNNING on {agents} agents in {Measure.Ms(launching) / 1000:F1} s; GC heap {GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0:F0} MiB, concurrent GC {(System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.Batch ? "off" : "on")}, server GC {(System.Runtime.GCSettings.IsServerGC ? "on" : "off")}");
        // Let the last acknowledgements reach the agents, so the restart is not also a storm of re-sent updates.
        await Task.Delay(TimeSpan.FromSeconds(2), cts.Token);
        foreach (var session in sessions) await session.DisposeAsync();

        var link = cluster.ServiceProvider.GetRequiredService<MasterLink>();
        var pool = cluster.ServiceProvider.GetRequiredService<AgentPool>();
        if (pauseSeconds > 0)
        {
            Measure.Line($"  pid {Environment.ProcessId}: pausing {pauseSeconds} s before the restarts (attach a profiler now)");
            await Task.Delay(TimeSpan.FromSeconds(pauseSeconds), cts.Token);
        }
        var totals = new Samples();
        for (var round = 1; round <= restarts; round++)
        {
            var total = await RestartOnceAsync(cluster, link, pool, infos, agents, running, round, cts.Token);
            totals.Add(total);
        }
        Measure.Line($"  failover total over {restarts} restarts: {totals}");
        Measure.Line($"  best {totals.Percentile(0):F0} ms, worst {totals.Max:F0} ms vs Mesos 1.5 about {MesosSeconds * 1000:F0} ms: {MesosSeconds * 1000 / totals.Percentile(0):F1}x (best), {MesosSeconds * 1000 / totals.Max:F1}x (worst); goal under 1000 ms");
        try { work.Delete(recursive: true); } catch (IOException) { }
        return totals.Max;
    }

    /// <summary>The registry alone: a log of <paramref name="agents"/> admitted agents and a few frameworks, replayed by a new master's registry.</summary>
    public static void Registry(int agents, int rounds)
    {
        var work = Directory.CreateTempSubdirectory("embedded-registry-");
        var registry = new MasterRegistry(work.FullName, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var attributes = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("os", "linux").Add("arch", "x64");
        var resources = Resources.Parse("cpus:1.1;mem:1034;ports:[31000-31999]");
        registry.Start();
        for (var a = 0; a < agents; a++) registry.AdmitAgent($"agent-{a}", $"agent-{a}", resources, attributes, [TaskKind.Delegate]);
        for (var f = 0; f < 4; f++) registry.AddFramework(new FrameworkInfo($"bench-{f}", Role: $"bench{f}") { FrameworkId = $"fw-{f}", FailoverTimeout = TimeSpan.FromHours(1) });
        registry.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        Measure.Line($"Registry: {agents} agents, {new FileInfo(Path.Combine(work.FullName, "registry.log")).Length / 1024} KiB");
        var times = new Samples();
        for (var round = 0; round < rounds; round++)
        {
            var gc = GcCounts.Now();
            var started = Stopwatch.GetTimestamp();
            var state = new MasterRegistry(work.FullName, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).Load();
            times.Add(Measure.Ms(started));
            if (state.Agents.Length != agents) throw new InvalidOperationException($"{state.Agents.Length} agents loaded");
            Measure.Line($"  load {round + 1}: {times.Max:F1} ms max so far; {GcCounts.Now() - gc}");
        }
        Measure.Line($"  registry load: {times}");
        work.Delete(recursive: true);
    }

    /// <summary>
    /// One restart, as <see cref="MiniCluster.RestartMasterAsync"/> does it (stop the master as a crash would,
    /// start a fresh one on the registry, tell the agents), with each phase timed; returns the total in ms.
    /// </summary>
    private static async Task<double> RestartOnceAsync(MiniCluster cluster, MasterLink link, AgentPool pool, List<FrameworkInfo> infos, int agents, int tasks, int round, CancellationToken ct)
    {
        var stopping = Stopwatch.GetTimestamp();
        await link.Current.StopAsync(ct);
        var stopMs = Measure.Ms(stopping);

        var gc = GcCounts.Now();
        var start = Stopwatch.GetTimestamp();
        await link.RestartAsync(ct); // the old master is stopped already: this is the new master's start, registry load included
        var loadMs = Measure.Ms(start);
        var gcLoad = GcCounts.Now() - gc;
        pool.MasterReplaced();
        // Frameworks subscribe again with their ids as soon as they see the new master, while agents come back, and
        // reconcile a task of theirs: the answer comes once its agent is back (the master cannot tell before).
        // Serving a framework means both; offers come too, but a late framework may find every free resource
        // offered already (nobody declines here), so the first offer to any framework is reported beside.
        var firstOffer = 0L;
        var served = infos.Select((info, index) => Task.Run(async () =>
        {
            var session = await cluster.Client.SubscribeAsync(info, ct);
            var probe = $"f{index}-t0";
            // As Mesos asks of frameworks: until every agent is back the master may not answer, so ask again (every 20 ms).
            using var answered = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var asking = Task.Run(async () =>
            {
                while (!answered.IsCancellationRequested)
                {
                    await session.ReconcileAsync([probe], answered.Token);
                    await Task.Delay(20, answered.Token);
                }
            }, answered.Token);
            await foreach (var e in session.ReadEventsAsync(ct))
            {
                if (e is OffersEvent) Interlocked.CompareExchange(ref firstOffer, Stopwatch.GetTimestamp(), 0);
                if (e is UpdateEvent { Status: { Reason: TaskReason.Reconciliation } status } && status.TaskId == probe)
                {
                    var ms = Measure.Ms(start);
                    await answered.CancelAsync();
                    try { await asking; } catch (OperationCanceledException) { }
                    return status.State == TaskState.Running
                        ? (Session: session, Ms: ms)
                        : throw new InvalidOperationException($"task {probe} reconciled as {status.State}");
                }
            }
            throw new InvalidOperationException($"framework {info.FrameworkId}: the stream ended before task {probe} was reconciled");
        }, ct)).ToList();
        var waiter = new WaitForAgents(agents);
        link.Post(waiter);
        await waiter.Reply.Task.WaitAsync(ct);
        var reregisteredMs = Measure.Ms(start);

        var asking = Stopwatch.GetTimestamp();
        var state = await cluster.GetStateAsync(ct);
        var stateMs = Measure.Ms(asking);
        var servedMs = Measure.Ms(start);
        var reachable = state.Agents.Count(a => a.Reachable);
        var runningTasks = state.Tasks.Count(t => t.State == TaskState.Running);
        var frameworksServed = await Task.WhenAll(served);
        var totalMs = Math.Max(servedMs, frameworksServed.Max(o => o.Ms));
        var offerMs = firstOffer == 0 ? double.NaN : Stopwatch.GetElapsedTime(start, firstOffer).TotalMilliseconds;
        var gcAll = GcCounts.Now() - gc;
        foreach (var (session, _) in frameworksServed) await session.DisposeAsync();
        if (reachable != agents || runningTasks != tasks)
            throw new InvalidOperationException($"after the restart the master has {reachable} of {agents} agents reachable and {runningTasks} of {tasks} tasks running");

        Measure.Line($"  restart {round}: old master stopped in {stopMs:F0} ms; new master: registry loaded in {loadMs:F0} ms, {agents} agents re-registered at {reregisteredMs:F0} ms, state ({reachable} reachable agents, {runningTasks} running tasks) answered in {stateMs:F0} ms at {servedMs:F0} ms");
        Measure.Line($"  restart {round}: {infos.Count} frameworks subscribed again with a task reconciled RUNNING by {frameworksServed.Max(o => o.Ms):F0} ms (first {frameworksServed.Min(o => o.Ms):F0} ms); first offer at {offerMs:F0} ms");
        Measure.Line($"  restart {round}: GC during the registry load {gcLoad}; during the whole failover {gcAll}");
        Measure.Line($"  restart {round}: re-registered and serving in {totalMs:F0} ms (Mesos 1.5: about {MesosSeconds * 1000:F0} ms for 10,000 agents and 100,000 tasks; ratio {MesosSeconds * 1000 / totalMs:F1}x)");
        return totalMs;
    }
}

/// <summary>Collections by generation and the time the runtime was paused for them, to say how much of a phase was the GC's.</summary>
internal readonly record struct GcCounts(int Gen0, int Gen1, int Gen2, TimeSpan Paused, long Allocated)
{
    public static GcCounts Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes());

    public static GcCounts operator -(GcCounts a, GcCounts b) => new(a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.Paused - b.Paused, a.Allocated - b.Allocated);

    public override string ToString() =>
        Samples.Format($"{Gen0}/{Gen1}/{Gen2} collections (gen0/1/2, counted cumulatively), {Paused.TotalMilliseconds:F0} ms paused, {Allocated / 1048576.0:F0} MiB allocated");
}
