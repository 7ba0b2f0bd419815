using System.Net;
using System.Collections.Immutable;
using System.Diagnostics;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Embedded.Simulator;

/// <summary>
/// Agents in other processes, over the network link: how fast tasks reach RUNNING on three agent
/// processes beside three in-process agents, and what 1,000 connected agents cost a master process.
/// </summary>
internal static partial class RemoteAgentScenarios
{
    private const int SigTerm = 15;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    /// <summary>The built `embedded` binary of this repository (Release), unless --cli names one.</summary>
    public static string DefaultCli()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Embedded.sln"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? ".", "src", "Embedded.Cli", "bin", "Release", "net10.0", "embedded.dll");
    }

    /// <summary>`sleep` jobs to RUNNING: three in-process agents, then a master here and three `embedded agent` processes.</summary>
    public static async Task TasksAsync(int jobs, string cli)
    {
        var resources = Samples.Format($"cpus:{jobs * 0.01 + 1};mem:{jobs + 1024};ports:[31000-31999]");
        var work = Directory.CreateTempSubdirectory("embedded-sim-");
        var agents = new List<Process>();
        try
        {
            double inProcess;
            await using (var local = await MiniCluster.StartAsync(configure: o =>
                         {
                             o.Master.Allocator.AllocationInterval = TimeSpan.FromMilliseconds(100);
                             for (var a = 0; a < 3; a++) o.AddAgent($"local-{a}", resources).WorkDirectory = Path.Combine(work.FullName, $"local-{a}");
                         }))
                inProcess = await ToRunningAsync(local.Jobs, jobs);
            Measure.Line($"In process:      {jobs} `sleep` jobs on 3 agents to RUNNING: {inProcess:F0} tasks/s");

            await using var master = await MiniCluster.StartAsync(configure: o =>
            {
                o.DefaultAgent = false;
                o.Master.Allocator.AllocationInterval = TimeSpan.FromMilliseconds(100);
            });
            await using var app = await ApiServing.StartAsync(master.Client);
            var url = ApiServing.Address(app);
            for (var a = 0; a < 3; a++)
                agents.Add(Process.Start(new ProcessStartInfo("dotnet", [cli, "agent", "--master", url.ToString(), "--name", $"remote-{a}", "--resources", resources,
                    "--work-dir", Path.Combine(work.FullName, $"remote-{a}")]) { RedirectStandardOutput = true, RedirectStandardError = true })!);
            using (var joined = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
                while ((await master.Client.GetAgentsAsync(joined.Token)).Count(a => a.Reachable) < 3) await Task.Delay(50, joined.Token);
            var remote = await ToRunningAsync(master.Jobs, jobs);
            Measure.Line($"Agent processes: {jobs} `sleep` jobs on 3 agents to RUNNING: {remote:F0} tasks/s ({remote / inProcess:P0} of in process)");
        }
        finally
        {
            foreach (var agent in agents)
            {
                // SIGTERM: each agent kills its tasks and leaves.
                _ = Kill(agent.Id, SigTerm);
                if (!agent.WaitForExit(TimeSpan.FromSeconds(30))) agent.Kill(entireProcessTree: true);
            }
            work.Delete(recursive: true);
        }
    }

    /// <summary>
    /// An `embedded master` process, and <paramref name="count"/> simulated agents of this process that register
    /// and heartbeat over the real link: the master's CPU and memory while they do.
    /// </summary>
    public static async Task LinksAsync(int count, double pingSeconds, int seconds, string cli)
    {
        var port = FreePort();
        var url = new Uri($"http://127.0.0.1:{port}");
        using var master = Process.Start(new ProcessStartInfo("dotnet", [cli, "master", "--listen", url.ToString(), "--agent-ping-timeout", pingSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        using var stop = new CancellationTokenSource();
        var links = new List<Task>();
        try
        {
            var ready = await master.StandardOutput.ReadLineAsync();
            if (ready is null || !ready.StartsWith("Embedded master", StringComparison.Ordinal)) throw new InvalidOperationException($"the master did not start: {ready}");
            var (cpuIdle, rssIdle) = (CpuSeconds(master.Id), RssMb(master.Id));
            var started = Stopwatch.GetTimestamp();
            var registered = new CountdownEvent(count);
            for (var i = 0; i < count; i++)
            {
                links.Add(SimulatedAgent.RunAsync(url, $"sim-{i}", registered, stop.Token));
                if (i % 100 == 99) await Task.Delay(10); // Connect in waves, as machines booting would.
            }
            await Task.Run(() => registered.Wait(TimeSpan.FromMinutes(2)));
            var joinedIn = Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (registered.CurrentCount > 0) throw new InvalidOperationException($"{registered.CurrentCount} of {count} agents did not register");
            var (cpu0, wall0) = (CpuSeconds(master.Id), Stopwatch.GetTimestamp());
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            var cpu = (CpuSeconds(master.Id) - cpu0) / Stopwatch.GetElapsedTime(wall0).TotalSeconds;
            Measure.Line($"{count} agents registered over the link in {joinedIn:F1} s; master idle before: {rssIdle:F0} MiB RSS");
            var heartbeatBytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes<MasterMessage>(new AgentHeartbeat("sim-1", AgentAddress.New("sim-1")), WireJsonContext.Default.MasterMessage).Length;
            var updateBytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes<MasterMessage>(new StatusUpdateFromAgent("sim-1", "framework-0001", new StatusUpdate("job-1-1", TaskState.Running, TaskReason.None, StatusSource.Executor, "running", DateTimeOffset.UtcNow) { AgentId = "sim-1", Uuid = Guid.NewGuid() }), WireJsonContext.Default.MasterMessage).Length;
            Measure.Line($"on the wire: a heartbeat is {heartbeatBytes} bytes of JSON, a RUNNING update {updateBytes} bytes (plus 2-8 bytes of WebSocket framing)");
            Measure.Line($"heartbeat every {pingSeconds} s ({count / pingSeconds:F0} heartbeats/s): master {cpu * 100:F1}% of one core, {RssMb(master.Id):F0} MiB RSS (+{RssMb(master.Id) - rssIdle:F0} MiB), over {seconds} s");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(links).ContinueWith(_ => { }, TaskScheduler.Default);
            _ = Kill(master.Id, SigTerm);
            if (!master.WaitForExit(TimeSpan.FromSeconds(30))) master.Kill(entireProcessTree: true);
        }
    }

    private static async Task<double> ToRunningAsync(IJobClient client, int jobs)
    {
        var job = Job.Shell("exec sleep 600", "cpus:0.01;mem:1");
        var started = Stopwatch.GetTimestamp();
        var handles = await Task.WhenAll(Enumerable.Range(0, jobs).Select(_ => client.SubmitAsync(job)));
        await Task.WhenAll(handles.Select(async h =>
        {
            await foreach (var update in h.WatchAsync())
            {
                if (update.State == TaskState.Running) return;
                if (update.IsTerminal) throw new InvalidOperationException($"job {h.JobId} ended {update} before RUNNING");
            }
        }));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await Task.WhenAll(handles.Select(h => h.CancelAsync()));
        await Task.WhenAll(handles.Select(h => h.Completion));
        return jobs / seconds;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0; // utime + stime, in clock ticks of 1/100 s.
    }

    private static double RssMb(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;

    /// <summary>An agent that only registers and heartbeats, over the real link (MasterConnection and the wire format).</summary>
    private static class SimulatedAgent
    {
        public static async Task RunAsync(Uri master, string name, CountdownEvent registered, CancellationToken cancellationToken)
        {
            var transport = new InProcessTransport();
            var address = AgentAddress.New(name);
            var options = new RemoteAgentOptions { MinReconnectDelay = TimeSpan.FromMilliseconds(500) };
            var connection = new MasterConnection(master, null, transport, options, TimeProvider.System, NullLogger<MasterConnection>.Instance);
            ITimer? heartbeat = null;
            var once = 0;
            void Register(bool again) => transport.SendToMaster(new RegisterAgent(name, "sim", Resources.Parse("cpus:8;mem:16384"),
                ImmutableDictionary<string, string>.Empty, [TaskKind.Command], address, [], again));
            transport.AddAgent(address, message =>
            {
                switch (message)
                {
                    case AgentRegistered m:
                        heartbeat?.Dispose();
                        heartbeat = TimeProvider.System.CreateTimer(_ => transport.SendToMaster(new AgentHeartbeat(name, address)), null, m.HeartbeatInterval, m.HeartbeatInterval);
                        if (Interlocked.Exchange(ref once, 1) == 0) registered.Signal();
                        break;
                    case ReregisterRequested:
                        Register(again: true);
                        break;
                }
                return true;
            });
            var link = connection.RunAsync(cancellationToken);
            await connection.Connected.WaitAsync(cancellationToken);
            Register(again: false);
            try
            {
                await link;
            }
            catch (OperationCanceledException)
            {
                // Done.
            }
            finally
            {
                heartbeat?.Dispose();
            }
        }
    }
}
