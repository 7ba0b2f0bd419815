using System.Diagnostics;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Scheduling;

namespace Embedded.Simulator;

/// <summary>
/// Short delegate jobs through the built-in job scheduler (IJobClient) to FINISHED: submit them all
/// at once, await every result. Measures the scheduler's whole path: placement, launch, updates, acks.
/// </summary>
internal static class JobScenarios
{
    /// <summary>Returns the best rate of the runs, in jobs/s.</summary>
    public static async Task<double> RunAsync(int agents, int jobs, int runs)
    {
        var best = 0.0;
        for (var run = 1; run <= runs; run++)
        {
            var work = Directory.CreateTempSubdirectory("embedded-sim-");
            try
            {
                await using var cluster = await MiniCluster.StartAsync(configure: options =>
                {
                    options.Master.Allocator.AllocationInterval = TimeSpan.FromMilliseconds(100);
                    for (var a = 0; a < agents; a++)
                    {
                        var agent = options.AddAgent($"agent-{a}", Samples.Format($"cpus:{jobs * 0.01 + 1};mem:{jobs + 1024};ports:[31000-31999]")).UseDelegates();
                        agent.WorkDirectory = Path.Combine(work.FullName, $"agent-{a}");
                    }
                });
                var job = Job.Run(static (_, _) => Task.FromResult(0), "cpus:0.01;mem:1");
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var started = Stopwatch.GetTimestamp();
                var handles = await Task.WhenAll(Enumerable.Range(0, jobs).Select(_ => cluster.Jobs.SubmitAsync(job)));
                var results = await Task.WhenAll(handles.Select(h => h.Completion));
                var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                var finished = results.Count(r => r.Succeeded);
                var cpuPerJob = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / jobs;
                Measure.Line($"Jobs run {run}: {jobs} delegate jobs on {agents} agents to FINISHED in {seconds * 1000:F0} ms: {jobs / seconds:F0} jobs/s ({finished} finished; {cpuPerJob:F0} µs of CPU a job)");
                best = Math.Max(best, jobs / seconds);
            }
            finally
            {
                work.Delete(recursive: true);
            }
        }
        return best;
    }
}
