using BenchmarkDotNet.Attributes;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;

namespace Embedded.Benchmarks;

/// <summary>How long a MiniCluster with three agents takes to start, run one trivial task, and stop.</summary>
[MemoryDiagnoser]
public class StartupBenchmarks
{
    [Benchmark(Description = "start 3 agents + stop")]
    public async Task StartAndStop()
    {
        await using var cluster = await MiniCluster.StartAsync(agents: 3);
    }

    [Benchmark(Description = "start 3 agents + one in-process task + stop")]
    public async Task<TaskState> StartAndRunDelegate()
    {
        await using var cluster = await MiniCluster.StartAsync(agents: 3);
        var result = await cluster.Jobs.RunAsync(Job.Run((_, _) => Task.FromResult(0)));
        return result.State;
    }

    [Benchmark(Description = "start 3 agents + one /bin/true process + stop")]
    public async Task<TaskState> StartAndRunProcess()
    {
        await using var cluster = await MiniCluster.StartAsync(agents: 3);
        var result = await cluster.Jobs.RunAsync(Job.Shell("true"));
        return result.State;
    }
}
