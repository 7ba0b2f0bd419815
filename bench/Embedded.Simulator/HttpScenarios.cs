using System.Diagnostics;
using Embedded.Client;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Embedded.Simulator;

/// <summary>
/// The same `true` jobs through the in-process IJobClient and through AddRemoteCluster's, over the
/// Mesos HTTP API of a Kestrel on loopback in front of the same cluster: what the HTTP hop costs.
/// </summary>
internal static class HttpScenarios
{
    /// <summary>Returns the jobs/s in process and over HTTP.</summary>
    public static async Task<(double InProcess, double OverHttp)> RunAsync(int agents, int jobs)
    {
        var work = Directory.CreateTempSubdirectory("embedded-sim-");
        try
        {
            await using var cluster = await MiniCluster.StartAsync(configure: options =>
            {
                options.Master.Allocator.AllocationInterval = TimeSpan.FromMilliseconds(100);
                for (var a = 0; a < agents; a++)
                    options.AddAgent($"agent-{a}", Samples.Format($"cpus:{jobs * 0.01 + 1};mem:{jobs + 1024};ports:[31000-31999]")).WorkDirectory = Path.Combine(work.FullName, $"agent-{a}");
            });
            await using var app = await ApiServing.StartAsync(cluster.Client);
            var address = ApiServing.Address(app);

            var remoteBuilder = Host.CreateApplicationBuilder();
            remoteBuilder.Logging.ClearProviders();
            remoteBuilder.Services.AddRemoteCluster(address, o => o.Jobs.FrameworkName = "remote-jobs");
            using var remote = remoteBuilder.Build();
            await remote.StartAsync();
            try
            {
                var inProcess = await RateAsync(cluster.Jobs, jobs);
                Measure.Line($"In process: {jobs} `true` jobs on {agents} agents to FINISHED: {inProcess:F0} jobs/s");
                var overHttp = await RateAsync(remote.Services.GetRequiredService<IJobClient>(), jobs);
                Measure.Line($"Over HTTP:  {jobs} `true` jobs on {agents} agents to FINISHED: {overHttp:F0} jobs/s ({overHttp / inProcess:P0} of in process)");
                return (inProcess, overHttp);
            }
            finally
            {
                await remote.StopAsync();
                await app.StopAsync();
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Delegate tasks to RUNNING launched by frameworks of this process, then (on a fresh cluster of the same shape) by
    /// frameworks that reach it through AddRemoteCluster over the Mesos HTTP scheduler API: tasks/s of each.
    /// </summary>
    public static async Task<(double InProcess, double OverHttp)> TasksAsync(int agents, int tasks, int frameworks)
    {
        var inProcess = await LaunchAsync(agents, tasks, frameworks, http: false);
        Measure.Line($"In process: {tasks} delegate tasks on {agents} agents to RUNNING: {inProcess:F0} tasks/s");
        var overHttp = await LaunchAsync(agents, tasks, frameworks, http: true);
        Measure.Line($"Over HTTP:  {tasks} delegate tasks on {agents} agents to RUNNING: {overHttp:F0} tasks/s ({overHttp / inProcess:P0} of in process)");
        return (inProcess, overHttp);
    }

    /// <summary>Delegate tasks to RUNNING launched by frameworks of this process: tasks/s.</summary>
    public static Task<double> InProcessAsync(int agents, int tasks, int frameworks) => LaunchAsync(agents, tasks, frameworks, http: false);

    /// <summary>
    /// The same launch with the frameworks in a child process (this simulator's `http-client`), as a framework is in a
    /// real deployment: the master's process then spends only its own CPU on the HTTP hop. With <paramref name="warmup"/>,
    /// the child first launches that many tasks (left running) so that both processes are past the JIT when the timed
    /// launch starts, as a server is that has been up for a while.
    /// </summary>
    public static async Task<double> TasksFromAnotherProcessAsync(int agents, int tasks, int frameworks, int warmup = 0)
    {
        var work = Directory.CreateTempSubdirectory("embedded-sim-");
        try
        {
            await using var cluster = await EndToEndScenarios.StartClusterAsync(agents, tasks + warmup, work);
            await using var app = await ApiServing.StartAsync(cluster.Client);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
            // Run as `dotnet Embedded.Simulator.dll` or as the apphost: the child is this same program either way.
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") start.ArgumentList.Add(typeof(HttpScenarios).Assembly.Location);
            foreach (var a in new[] { "http-client", "--master", ApiServing.Address(app).ToString(), "--tasks", $"{tasks}", "--frameworks", $"{frameworks}", "--warmup", $"{warmup}" })
                start.ArgumentList.Add(a);
            using var child = Process.Start(start)!;
            try
            {
                var output = new System.Text.StringBuilder();
                while (await child.StandardOutput.ReadLineAsync() is { } line)
                {
                    output.AppendLine(line);
                    // The master's CPU counts from the end of the warm-up.
                    if (line.Contains(WarmedUp, StringComparison.Ordinal)) cpu = Process.GetCurrentProcess().TotalProcessorTime;
                }
                await child.WaitForExitAsync();
                Console.Write(output);
                var masterCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / tasks;
                var text = output.ToString();
                var rate = double.Parse(text.Split("tasks/s")[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], System.Globalization.CultureInfo.InvariantCulture);
                var warm = warmup > 0 ? $", after {warmup} tasks of warm-up" : "";
                Measure.Line($"Over HTTP, frameworks in their own process{warm}: {tasks} delegate tasks on {agents} agents to RUNNING: {rate:F0} tasks/s; the master's process spent {masterCpu:F0} µs of CPU a task");
                return rate;
            }
            finally
            {
                if (!child.HasExited) child.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            try { work.Delete(recursive: true); } catch (IOException) { }
        }
    }

    private const string WarmedUp = "warmed up";

    /// <summary>The child of <see cref="TasksFromAnotherProcessAsync"/>: frameworks of a remote cluster launching until every task runs.</summary>
    public static async Task ClientAsync(Uri master, int tasks, int frameworks, int warmup)
    {
        var (running, rate, cpu) = await LaunchRemoteAsync(master, tasks, frameworks, warmup);
        Measure.Line($"  client process: {running} RUNNING, {cpu:F0} µs of CPU a task, {rate:F0} tasks/s");
    }

    /// <summary>
    /// Frameworks reaching <paramref name="master"/> through AddRemoteCluster launch until every task runs: how many run,
    /// tasks/s, and this process's CPU a task. With <paramref name="warmup"/>, other frameworks first launch that many,
    /// which keep running (a framework that left would have them killed under the timed launch).
    /// </summary>
    private static async Task<(int Running, double Rate, double CpuPerTask)> LaunchRemoteAsync(Uri master, int tasks, int frameworks, int warmup = 0)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddRemoteCluster(master, o => o.Jobs.Enabled = false);
        using var remote = builder.Build();
        await remote.StartAsync();
        var client = remote.Services.GetRequiredService<IClusterClient>();
        var warm = new List<SchedulerSession>();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            if (warmup > 0)
            {
                var (_, _, _, warmSessions) = await EndToEndScenarios.LaunchAllAsync(client, frameworks, warmup, cts.Token);
                warm.AddRange(warmSessions);
                Measure.Line($"  {WarmedUp}: {warmup} tasks RUNNING");
            }
            var (running, seconds, cpu, sessions) = await EndToEndScenarios.LaunchAllAsync(client, frameworks, tasks, cts.Token);
            foreach (var s in sessions) await s.DisposeAsync();
            return (running, running / seconds, cpu);
        }
        finally
        {
            foreach (var s in warm) await s.DisposeAsync();
            await remote.StopAsync();
        }
    }

    private static async Task<double> LaunchAsync(int agents, int tasks, int frameworks, bool http)
    {
        var work = Directory.CreateTempSubdirectory("embedded-sim-");
        try
        {
            await using var cluster = await EndToEndScenarios.StartClusterAsync(agents, tasks, work);
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            if (!http)
            {
                var (running, seconds, cpu, sessions) = await EndToEndScenarios.LaunchAllAsync(cluster.Client, frameworks, tasks, cts.Token);
                Measure.Line($"  in process: {cpu:F0} µs of CPU a task");
                foreach (var s in sessions) await s.DisposeAsync();
                return running / seconds;
            }
            await using var app = await ApiServing.StartAsync(cluster.Client);
            try
            {
                var (_, rate, cpu) = await LaunchRemoteAsync(ApiServing.Address(app), tasks, frameworks);
                Measure.Line($"  over HTTP: {cpu:F0} µs of CPU a task (server and client in this one process), {GC.CollectionCount(2)} gen2 collections so far");
                return rate;
            }
            finally
            {
                await app.StopAsync();
            }
        }
        finally
        {
            try { work.Delete(recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<double> RateAsync(IJobClient client, int jobs)
    {
        var job = Job.Shell("true", "cpus:0.01;mem:1");
        var started = Stopwatch.GetTimestamp();
        var handles = await Task.WhenAll(Enumerable.Range(0, jobs).Select(_ => client.SubmitAsync(job)));
        var results = await Task.WhenAll(handles.Select(h => h.Completion));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var failed = results.Count(r => !r.Succeeded);
        if (failed > 0) throw new InvalidOperationException($"{failed} of {jobs} jobs did not finish: {results.First(r => !r.Succeeded)}");
        return jobs / seconds;
    }
}
