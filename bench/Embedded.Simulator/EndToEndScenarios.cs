using System.Diagnostics;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace Embedded.Simulator;

/// <summary>
/// The real master, allocator and agents in one process (MiniCluster), with in-process delegate
/// tasks that run until killed: how fast tasks reach RUNNING, and what 100,000 running tasks weigh.
/// </summary>
internal static class EndToEndScenarios
{
    public static async Task RunAsync(int agents, int tasks, int frameworks, TimeSpan timeout)
    {
        var work = Directory.CreateTempSubdirectory("embedded-sim-");
        var baseline = Measure.Retained();
        var started = Stopwatch.GetTimestamp();
        // Agents big enough that each offer takes many tasks of cpus:0.01;mem:1.
        var perAgent = (tasks + agents - 1) / agents;
        var cpus = Math.Max(1, perAgent * 0.01 + 1);
        await using var cluster = await MiniCluster.StartAsync(configure: options =>
        {
            options.Master.Allocator.AllocationInterval = TimeSpan.FromMilliseconds(100);
            for (var a = 0; a < agents; a++)
            {
                var agent = options.AddAgent($"agent-{a}", Samples.Format($"cpus:{cpus};mem:{perAgent + 1024};ports:[31000-31999]")).UseDelegates();
                agent.WorkDirectory = Path.Combine(work.FullName, $"agent-{a}");
            }
        });
        Measure.Line($"EndToEnd: {agents} agents started in {Measure.Ms(started):F0} ms");
        var delegates = cluster.ServiceProvider.GetRequiredService<DelegateRegistry>();
        delegates.Register("hold", static async (_, ct) =>
        {
            try { await Task.Delay(Timeout.Infinite, ct); } catch (OperationCanceledException) { }
            return 0;
        });
        var afterStart = Measure.Retained();

        using var cts = new CancellationTokenSource(timeout);
        var perFramework = tasks / frameworks;
        var runningAt = new long[frameworks];
        var firstLaunch = 0L;
        var sessions = new List<SchedulerSession>();
        var runs = new List<Task<int>>();
        for (var f = 0; f < frameworks; f++)
        {
            var session = await cluster.Client.SubscribeAsync(new FrameworkInfo($"bench-{f}", Role: $"bench{f % 4}"), cts.Token);
            sessions.Add(session);
            var index = f;
            runs.Add(Task.Run(() => DriveAsync(session, index, perFramework, () => { Interlocked.CompareExchange(ref firstLaunch, Stopwatch.GetTimestamp(), 0); }, cts.Token)));
        }
        var counts = await Task.WhenAll(runs);
        var done = Stopwatch.GetTimestamp();
        var running = counts.Sum();
        var seconds = Stopwatch.GetElapsedTime(firstLaunch == 0 ? started : firstLaunch, done).TotalSeconds;
        Measure.Line($"  {running} tasks RUNNING in {seconds:F2} s from the first launch: {running / seconds:F0} tasks/s (master + allocator + {agents} agents + delegate executor)");
        var withTasks = Measure.Retained();
        Measure.Line($"  retained heap: {baseline / 1048576.0:F1} MiB before, {afterStart / 1048576.0:F1} MiB with {agents} idle agents, {withTasks / 1048576.0:F1} MiB with {running} running tasks");
        Measure.Line($"  per agent {(afterStart - baseline) / (double)agents / 1024:F1} KiB; per running task {(withTasks - afterStart) / (double)Math.Max(1, running):F0} B (master, agent and delegate executor together)");
        var state = await cluster.GetStateAsync();
        Measure.Line($"  master state: {state.Tasks.Length} tasks, {state.Agents.Length} agents, {state.Frameworks.Length} frameworks");
        foreach (var s in sessions) await s.DisposeAsync();
        try { work.Delete(recursive: true); } catch (IOException) { }
    }

    /// <summary>A framework that launches tasks into every offer until it has its share RUNNING, then suppresses.</summary>
    internal static async Task<int> DriveAsync(SchedulerSession session, int index, int wanted, Action launched, CancellationToken ct)
    {
        var task = Resources.Parse("cpus:0.01;mem:1");
        int submitted = 0, running = 0, sequence = 0;
        try
        {
            await foreach (var e in session.ReadEventsAsync(ct))
            {
                switch (e)
                {
                    case OffersEvent o:
                        foreach (var offer in o.Offers)
                        {
                            var infos = new List<TaskInfo>();
                            var free = offer.Resources;
                            while (submitted < wanted && free.Contains(task))
                            {
                                free = free.Subtract(task);
                                infos.Add(new TaskInfo($"f{index}-t{sequence++}", "hold", offer.AgentId, task) { Delegate = "hold" });
                                submitted++;
                            }
                            if (infos.Count == 0) { await session.DeclineAsync([offer.OfferId], new Filters(3600), ct); continue; }
                            launched();
                            await session.LaunchAsync(offer, infos, new Filters(0), ct);
                        }
                        if (submitted >= wanted) await session.SuppressAsync(ct);
                        break;
                    case UpdateEvent u:
                        if (u.Status.Uuid is not null) await session.AcknowledgeAsync(u.Status, ct);
                        if (u.Status.State == TaskState.Running && ++running >= wanted) return running;
                        break;
                }
            }
        }
        catch (OperationCanceledException) { }
        return running;
    }
}
