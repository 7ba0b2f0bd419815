using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Docker.DotNet.Models;

namespace Embedded.Orchestration.Docker.Tests.Support;

/// <summary>
/// tests/Embedded.LeaseTestHost run as a child process: started with <c>dotnet</c>, read until it says
/// "ready", killed by signal. What it left is counted behind the library's back: containers by their
/// lease label through the engine's API, processes through /proc (its tasks' pids, and any process
/// whose environment places it in one of its sandboxes), its watchdog by its command line.
/// </summary>
public sealed partial class LeaseHost : IAsyncDisposable
{
    private static readonly string HostDll = typeof(LeaseHost).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "LeaseTestHost").Value!;

    private readonly Process _process;
    private readonly DockerFixture _docker;
    private readonly StringBuilder _stderr = new();

    private LeaseHost(Process process, DockerFixture docker, Ready ready)
    {
        _process = process;
        _docker = docker;
        Info = ready;
    }

    public Ready Info { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    public sealed record Ready(int Pid, string[] WorkDirectories, string[] Leases, string[] Processes, int Running);

    public static async Task<LeaseHost> StartAsync(DockerFixture docker, string journal, params string[] args)
    {
        var start = new ProcessStartInfo(Processes.DotnetHost, [HostDll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["EMBEDDED_WATCHDOG_LOG"] = journal;
        var process = Process.Start(start)!;
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(guard.Token)
                    ?? throw new InvalidOperationException($"the lease test host ended before it was ready: {stderr}");
                if (!line.StartsWith("ready ", StringComparison.Ordinal))
                {
                    lock (stderr) stderr.AppendLine(line);
                    continue;
                }
                var ready = JsonSerializer.Deserialize<Ready>(line["ready ".Length..], new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
                return new LeaseHost(process, docker, ready);
            }
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            lock (stderr) throw new TimeoutException($"the lease test host did not get ready: {stderr}");
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public void Signal(int signal)
    {
        if (Processes.Signal(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan guard)
    {
        // Not WaitForExitAsync: that also waits for EOF on the redirected output, which any process still holding it delays.
        using var cts = new CancellationTokenSource(guard);
        while (!_process.HasExited) await Task.Delay(TimeSpan.FromMilliseconds(20), cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Containers, in any state, that carry this host's lease labels.</summary>
    public async Task<IList<ContainerListResponse>> ContainersAsync()
    {
        var all = new List<ContainerListResponse>();
        foreach (var lease in Info.Leases)
            all.AddRange(await _docker.Client.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"embedded.lease={lease}"] = true } },
            }));
        return all;
    }

    /// <summary>The process-group leaders of its tasks that still run (the pids it reported, with the same start time).</summary>
    public IReadOnlyList<int> LiveTaskLeaders() =>
    [
        .. Info.Processes.Select(e => e.Split(' '))
            .Select(p => (Pid: int.Parse(p[0], CultureInfo.InvariantCulture), Start: long.Parse(p[1], CultureInfo.InvariantCulture)))
            .Where(p => Proc.StartTimeOf(p.Pid) == p.Start)
            .Select(p => p.Pid),
    ];

    /// <summary>Every live process of its tasks: the leaders, and any process whose environment places it in one of its sandboxes.</summary>
    public IReadOnlyList<int> LiveTaskProcesses() => [.. LiveTaskLeaders().Concat(Proc.InSandboxesOf(Info.WorkDirectories)).Distinct().Order()];

    /// <summary>Live watchdog processes whose owner is this host.</summary>
    public IReadOnlyList<int> LiveWatchdogs() => Proc.WatchdogsOf(_process.Id);

    public bool AnyWorkDirectoryLeft => Info.WorkDirectories.Any(Directory.Exists);

    /// <summary>Polls until nothing this host started is left, or the guard runs out; returns how long it took.</summary>
    public async Task<TimeSpan> WaitUntilNothingLeftAsync(TimeSpan guard, bool workDirectoriesToo)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var containers = await ContainersAsync();
            var processes = LiveTaskProcesses();
            var watchdogs = LiveWatchdogs();
            var directories = workDirectoriesToo && AnyWorkDirectoryLeft;
            if (containers.Count == 0 && processes.Count == 0 && watchdogs.Count == 0 && !directories) return clock.Elapsed;
            if (clock.Elapsed > guard)
                throw new TimeoutException($"after {guard}: {containers.Count} containers ({string.Join(", ", containers.Select(c => c.State))}), " +
                    $"task processes [{string.Join(", ", processes)}], watchdogs [{string.Join(", ", watchdogs)}], work directories left: {directories}");
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>Whatever happened, nothing the test started stays: the host, its watchdog, its tasks, its containers.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            foreach (var pid in LiveWatchdogs()) _ = Processes.Signal(pid, 9);
            foreach (var pid in LiveTaskProcesses())
            {
                _ = Processes.Signal(-pid, 9);
                _ = Processes.Signal(pid, 9);
            }
            if (DockerEngine.Answers)
                foreach (var container in await ContainersAsync())
                {
                    try
                    {
                        await _docker.Client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true });
                    }
                    catch (global::Docker.DotNet.DockerApiException)
                    {
                        // Gone meanwhile, or its removal (by the watchdog) is under way.
                    }
                }
        }
        finally
        {
            _process.Dispose();
        }
    }
}
