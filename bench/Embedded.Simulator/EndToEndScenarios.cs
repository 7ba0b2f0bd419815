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
    /// <summary>Returns the tasks/s to RUNNING and the bytes retained per running task.</summary>
    public static async Task<(double TasksPerSecond, double BytesPerTask)> RunAsync(int agents, int tasks, int frameworks, TimeSpan timeout, TimeSpan hold = default)
    {
        var work = Directory.CreateTempSubdirectory("embedded-sim-");
        var baseline = Measure.Retained();
        var started = Stopwatch.GetTimestamp();
        await using var cluster = await StartClusterAsync(agents, tasks, work);
        Measure.Line($"EndToEnd: {agents} agents started in {Measure.Ms(started):F0} ms");
        var afterStart = Measure.Retained();

        using var cts = new CancellationTokenSource(timeout);
        var (running, seconds, cpuPerTask, sessions) = await LaunchAllAsync(cluster.Client, frameworks, tasks, cts.Token);
        Measure.Line($"  {running} tasks RUNNING in {seconds:F2} s from the first launch: {running / seconds:F0} tasks/s (master + allocator + {agents} agents + delegate executor; {cpuPerTask:F0} µs of CPU a task)");
        var withTasks = Measure.Retained();
        Measure.Line($"  retained heap: {baseline / 1048576.0:F1} MiB before, {afterStart / 1048576.0:F1} MiB with {agents} idle agents, {withTasks / 1048576.0:F1} MiB with {running} running tasks");
        var perTask = (withTasks - afterStart) / (double)Math.Max(1, running);
        var body = await BodyBytesAsync();
        Measure.Line($"  per agent {(afterStart - baseline) / (double)agents / 1024:F1} KiB; per running task {perTask:F0} B, of which the benchmark's own waiting body is {body:F0} B: Embedded's {perTask - body:F0} B (master, agent and delegate executor together)");
        var state = await cluster.GetStateAsync();
        Measure.Line($"  master state: {state.Tasks.Length} tasks, {state.Agents.Length} agents, {state.Frameworks.Length} frameworks");
        if (hold > TimeSpan.Zero)
        {
            // Time to take a heap snapshot of the running tasks: dotnet-gcdump collect -p <pid>.
            Measure.Line($"  holding {hold.TotalSeconds:F0} s: process {Environment.ProcessId}");
            await Task.Delay(hold);
        }
        foreach (var s in sessions) await s.DisposeAsync();
        try { work.Delete(recursive: true); } catch (IOException) { }
        return (running / seconds, perTask - body);
    }

    /// <summary>Delegate agents big enough that each offer takes many tasks of cpus:0.01;mem:1, and the "hold" body they run.</summary>
    internal static async Task<MiniCluster> StartClusterAsync(int agents, int tasks, DirectoryInfo work)
    {
        var perAgent = (tasks + agents - 1) / agents;
        var cpus = Math.Max(1, perAgent * 0.01 + 1);
        var cluster = await MiniCluster.StartAsync(configure: options =>
        {
            options.Master.Allocator.AllocationInterval = TimeSpan.FromMilliseconds(100);
            for (var a = 0; a < agents; a++)
            {
                var agent = options.AddAgent($"agent-{a}", Samples.Format($"cpus:{cpus};mem:{perAgent + 1024};ports:[31000-31999]")).UseDelegates();
                agent.WorkDirectory = Path.Combine(work.FullName, $"agent-{a}");
            }
        });
        cluster.ServiceProvider.GetRequiredService<DelegateRegistry>().Register("hold", Hold);
        return cluster;
    }

    private static async Task<int> Hold(TaskContext _, CancellationToken ct)
    {
        try { await Task.Delay(Timeout.Infinite, ct); } catch (OperationCanceledException) { }
        return 0;
    }

    /// <summary>What the body itself holds while it waits (its state machine, its delay and the registration on the task's token), beyond the token's source.</summary>
    private static async Task<double> BodyBytesAsync()
    {
        const int n = 20_000;
        var sources = Enumerable.Range(0, n).Select(_ => new CancellationTokenSource()).ToArray();
        var before = Measure.Retained();
        var waiting = sources.Select(s => Hold(null!, s.Token)).ToArray();
        var after = Measure.Retained();
        foreach (var s in sources) s.Cancel();
        await Task.WhenAll(waiting);
        return (after - before) / (double)n;
    }

    /// <summary>
    /// Frameworks that each launch their share of delegate "hold" tasks into every offer of <paramref name="client"/>'s
    /// cluster, until all run: how many run, in how long from the first launch, and the process's CPU per task.
    /// </summary>
    internal static async Task<(int Running, double Seconds, double CpuPerTask, List<SchedulerSession> Sessions)> LaunchAllAsync(
        IClusterClient client, int frameworks, int tasks, CancellationToken ct)
    {
        var perFramework = tasks / frameworks;
        var firstLaunch = 0L;
        var sessions = new List<SchedulerSession>();
        var runs = new List<Task<int>>();
        var started = Stopwatch.GetTimestamp();
        for (var f = 0; f < frameworks; f++)
        {
            var session = await client.SubscribeAsync(new FrameworkInfo($"bench-{f}", Role: $"bench{f % 4}"), ct);
            sessions.Add(session);
            var index = f;
            runs.Add(Task.Run(() => DriveAsync(session, index, perFramework, () => { Interlocked.CompareExchange(ref firstLaunch, Stopwatch.GetTimestamp(), 0); }, ct)));
        }
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var counts = await Task.WhenAll(runs);
        var done = Stopwatch.GetTimestamp();
        var running = counts.Sum();
        var cpuPerTask = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / Math.Max(1, running);
        return (running, Stopwatch.GetElapsedTime(firstLaunch == 0 ? started : firstLaunch, done).TotalSeconds, cpuPerTask, sessions);
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
