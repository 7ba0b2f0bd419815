using System.Diagnostics;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Scheduling;

namespace Embedded.Simulator;

/// <summary>
/// Issue 15's process goal, side by side in one run: the same `sh -c true`, first started with plain
/// Process.Start (C workers, each starting one, reading its output and awaiting its exit, then the
/// next), then run as Embedded process jobs through IJobClient on a one-agent MiniCluster by the same
/// number of workers (each awaiting its job's result before it submits the next). The jobs keep every
/// guarantee of a process task: own session, output in the sandbox files, an exit status that a
/// restarted agent can read, checkpointed status updates. Rounds alternate baseline and Embedded, so
/// that a load that comes and goes on a shared machine falls on both.
/// </summary>
internal static class ProcessJobScenarios
{
    /// <summary>Returns the round with the median ratio: Embedded's rate, the faster Process.Start's, and their ratio (0 without a baseline).</summary>
    public static async Task<(double Embedded, double Plain, double Ratio)> RunAsync(int jobs, int concurrency, int rounds, bool embeddedOnly, string? under, bool checkpoint)
    {
        // The agent's work directory (its sandboxes) in the system's temp directory unless --work-dir says where.
        var work = under is null ? Directory.CreateTempSubdirectory("embedded-sim-") : Directory.CreateDirectory(Path.Combine(under, "embedded-sim-" + Guid.NewGuid().ToString("N")));
        Measure.Line($"sandboxes under {work.FullName}; agent checkpoint {(checkpoint ? "on" : "off (MiniCluster's default)")}");
        try
        {
            await using var cluster = await MiniCluster.StartAsync(configure: options =>
            {
                options.Master.Allocator.AllocationInterval = TimeSpan.FromMilliseconds(100);
                // MiniCluster turns the job scheduler's checkpointing off; --checkpoint turns it back on,
                // as AddClusterOrchestration has it: every task and update on disk (fsync) before it counts.
                options.Jobs.Checkpoint = checkpoint;
                var agent = options.AddAgent("agent-0", Samples.Format($"cpus:{concurrency * 0.01 + 1};mem:{concurrency + 1024}"));
                agent.WorkDirectory = Path.Combine(work.FullName, "agent-0");
            });

            // Warm both paths (JIT, the first fork of a big process, the scheduler's first offers).
            await PlainAsync(Math.Min(50, jobs), concurrency, redirect: true);
            await PlainAsync(Math.Min(50, jobs), concurrency, redirect: false);
            await EmbeddedAsync(cluster.Jobs, Math.Min(50, jobs), concurrency);

            var ratios = new List<double>();
            var measured = new List<(double Embedded, double Plain, double Ratio)>();
            for (var round = 1; round <= rounds; round++)
            {
                double? plain = null;
                if (!embeddedOnly)
                {
                    var (redirected, redirectedCpu) = await PlainAsync(jobs, concurrency, redirect: true);
                    var (bare, bareCpu) = await PlainAsync(jobs, concurrency, redirect: false);
                    Measure.Line($"round {round} Process.Start, output read through pipes:   {redirected,6:F0} /s  (cpu {redirectedCpu})");
                    Measure.Line($"round {round} Process.Start, output not redirected:       {bare,6:F0} /s  (cpu {bareCpu})");
                    plain = Math.Max(redirected, bare);
                }
                var (embedded, embeddedCpu) = await EmbeddedAsync(cluster.Jobs, jobs, concurrency);
                Measure.Line($"round {round} Embedded process jobs through IJobClient:    {embedded,6:F0} /s  (cpu {embeddedCpu})");
                if (plain is { } p)
                {
                    ratios.Add(embedded / p);
                    measured.Add((embedded, p, embedded / p));
                    Measure.Line($"round {round} ratio Embedded / the faster Process.Start:  {embedded / p:F2}");
                }
            }
            if (ratios.Count > 0)
                Measure.Line($"process-jobs --jobs {jobs} --concurrency {concurrency}: ratio {string.Join(", ", ratios.Select(r => Samples.Format($"{r:F2}")))} (goal >= 0.80)");
            return measured.Count == 0 ? (0, 0, 0) : measured.OrderBy(m => m.Ratio).ElementAt(measured.Count / 2);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task<(double Rate, string Cpu)> PlainAsync(int jobs, int concurrency, bool redirect)
    {
        var remaining = jobs;
        var cpu = Cpu.Start();
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                var info = new ProcessStartInfo("sh") { UseShellExecute = false, RedirectStandardOutput = redirect, RedirectStandardError = redirect };
                info.ArgumentList.Add("-c");
                info.ArgumentList.Add("true");
                using var process = Process.Start(info)!;
                if (redirect)
                {
                    var stdout = process.StandardOutput.ReadToEndAsync();
                    var stderr = process.StandardError.ReadToEndAsync();
                    await Task.WhenAll(stdout, stderr);
                }
                await process.WaitForExitAsync();
                if (process.ExitCode != 0) throw new InvalidOperationException($"sh -c true exited with {process.ExitCode}");
            }
        })));
        return (jobs / Stopwatch.GetElapsedTime(started).TotalSeconds, cpu.Stop(jobs));
    }

    private static async Task<(double Rate, string Cpu)> EmbeddedAsync(IJobClient client, int jobs, int concurrency)
    {
        var job = Job.Shell("true", "cpus:0.01;mem:1");
        var remaining = jobs;
        var cpu = Cpu.Start();
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                var result = await client.RunAsync(job);
                if (!result.Succeeded) throw new InvalidOperationException($"a job did not finish: {result}");
            }
        })));
        return (jobs / Stopwatch.GetElapsedTime(started).TotalSeconds, cpu.Stop(jobs));
    }

    /// <summary>This process's user and system CPU, and its children's (the shells), over one measurement.</summary>
    private readonly record struct Cpu(TimeSpan User, TimeSpan System, TimeSpan ChildUser, TimeSpan ChildSystem)
    {
        public static Cpu Start() => Read();

        public string Stop(int jobs)
        {
            var end = Read();
            double PerJob(TimeSpan a, TimeSpan b) => (a - b).TotalMilliseconds * 1000 / jobs;
            return Samples.Format(
                $"us/job: user {PerJob(end.User, User):F0}, sys {PerJob(end.System, System):F0}; children user {PerJob(end.ChildUser, ChildUser):F0}, sys {PerJob(end.ChildSystem, ChildSystem):F0}");
        }

        private static Cpu Read()
        {
            var self = ThreadCpu.Usage(ThreadCpu.RusageSelf);
            var children = ThreadCpu.Usage(ThreadCpu.RusageChildren);
            return new Cpu(self.User, self.System, children.User, children.System);
        }
    }
}
