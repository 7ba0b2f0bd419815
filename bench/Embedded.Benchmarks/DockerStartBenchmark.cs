using System.Diagnostics;
using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Embedded.Orchestration.Docker;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using TaskState = Embedded.Orchestration.Model.TaskState;

namespace Embedded.Benchmarks;

/// <summary>
/// Starting N containers to RUNNING through Embedded (submit N jobs, wait for every RUNNING update)
/// against the same N through the raw Docker API (create + start, all in parallel), on the same
/// engine in the same process, alternating which goes first, several runs; reports medians.
/// Not BenchmarkDotNet: one sample takes seconds and its cost is the engine's, not the CPU's.
/// <c>dotnet run -c Release --project bench/Embedded.Benchmarks -- docker-start [--n 10,50] [--runs 5]</c>
/// </summary>
internal static class DockerStartBenchmark
{
    private const string Image = "embedded-test/busybox:latest";
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(5);

    public static async Task<int> RunAsync(string[] args)
    {
        var sizes = Option(args, "--n", "10,50").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var runs = int.Parse(Option(args, "--runs", "5"), CultureInfo.InvariantCulture);
        using var client = new DockerClientBuilder().WithEndpoint(new Uri(Environment.GetEnvironmentVariable("DOCKER_HOST") ?? "unix:///var/run/docker.sock")).Build();
        var version = await client.System.GetVersionAsync();
        var info = await client.System.GetSystemInfoAsync();
        await client.Images.InspectImageAsync(Image);
        Console.WriteLine($"Docker {version.Version} (API {version.APIVersion}), {info.NCPU} cpus, {info.OperatingSystem}; {runs} runs per size, alternating order");

        // One unrecorded round each, so that neither side pays for JIT, connections or page cache.
        await EmbeddedAsync(client, sizes.Min());
        await RawAsync(client, sizes.Min());

        var samples = sizes.ToDictionary(n => n, _ => (Embedded: new List<double>(), Raw: new List<double>()));
        for (var run = 0; run < runs; run++)
        {
            foreach (var n in sizes)
            {
                var embeddedFirst = run % 2 == 0;
                for (var side = 0; side < 2; side++)
                {
                    if (embeddedFirst == (side == 0)) samples[n].Embedded.Add(await EmbeddedAsync(client, n));
                    else samples[n].Raw.Add(await RawAsync(client, n));
                }
                Console.WriteLine($"  run {run + 1}, N={n}: Embedded {samples[n].Embedded[^1]:F0} ms, raw {samples[n].Raw[^1]:F0} ms");
            }
        }

        Console.WriteLine();
        Console.WriteLine("| N | Embedded, submit → all RUNNING (median ms) | raw Docker API, create + start (median ms) | Embedded / raw |");
        Console.WriteLine("|---:|---:|---:|---:|");
        foreach (var n in sizes)
        {
            var embedded = Median(samples[n].Embedded);
            var raw = Median(samples[n].Raw);
            Console.WriteLine($"| {n} | {embedded:F0} | {raw:F0} | {embedded / raw:F2} |");
        }
        return 0;
    }

    /// <summary>N jobs of <c>sleep 300</c> on one docker agent big enough for all; milliseconds from the first submit to the last RUNNING.</summary>
    private static async Task<double> EmbeddedAsync(DockerClient client, int n)
    {
        var agent = $"bench-{Guid.NewGuid():N}"[..14];
        var cluster = await MiniCluster.StartAsync(0, o =>
        {
            var options = o.AddAgent(agent, "cpus:64;mem:65536;disk:10240;ports:[31000-32000]").UseDocker();
            options.ShutdownGracePeriod = TimeSpan.Zero; // sleep as PID 1 ignores SIGTERM; don't time the cleanup.
        });
        try
        {
            var job = Job.Docker(Image, ["sleep", "300"]) with { KillGracePeriod = TimeSpan.Zero };
            var watch = Stopwatch.StartNew();
            var handles = await Task.WhenAll(Enumerable.Range(0, n).Select(_ => cluster.Jobs.SubmitAsync(job)));
            await Task.WhenAll(handles.Select(WaitRunningAsync)).WaitAsync(Guard);
            return watch.Elapsed.TotalMilliseconds;
        }
        finally
        {
            await cluster.DisposeAsync();
            await RemoveAllAsync(client, $"embedded.agent={agent}");
        }
    }

    private static async Task WaitRunningAsync(JobHandle handle)
    {
        await foreach (var update in handle.WatchAsync())
        {
            if (update.State == TaskState.Running) return;
            if (update.IsTerminal) throw new InvalidOperationException($"job {handle.JobId} ended {update} before RUNNING");
        }
    }

    /// <summary>The same N containers (same image, command and limits) created and started in parallel straight through the API.</summary>
    private static async Task<double> RawAsync(DockerClient client, int n)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var watch = Stopwatch.StartNew();
        try
        {
            await Task.WhenAll(Enumerable.Range(0, n).Select(async i =>
            {
                var created = await client.Containers.CreateContainerAsync(new CreateContainerParameters
                {
                    Name = $"bench-raw-{run}-{i}",
                    Image = Image,
                    Cmd = ["sleep", "300"],
                    Labels = new Dictionary<string, string> { ["embedded.bench"] = run },
                    HostConfig = new HostConfig { NanoCPUs = 100_000_000, Memory = 32L << 20, MemorySwap = 32L << 20, NetworkMode = "bridge" },
                });
                await client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
            })).WaitAsync(Guard);
            return watch.Elapsed.TotalMilliseconds;
        }
        finally
        {
            await RemoveAllAsync(client, $"embedded.bench={run}");
        }
    }

    private static async Task RemoveAllAsync(DockerClient client, string label)
    {
        var containers = await client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [label] = true } },
        });
        await Task.WhenAll(containers.Select(c => client.Containers.RemoveContainerAsync(c.ID, new ContainerRemoveParameters { Force = true })));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }
}
