using System.Globalization;

namespace Embedded.Simulator;

/// <summary>
/// Issue 15's figures from one run, each beside its reference and goal, so that a noisy machine moves both
/// sides of a ratio together rather than deciding the result.
/// </summary>
internal static class CompareScenarios
{
    private sealed record Row(string Figure, double Ours, string Unit, string Reference, double? Ratio, string Goal, bool Met);

    public static async Task RunAsync(int agents, int tasks, int jobs)
    {
        var rows = new List<Row>();

        var (tasksPerSecond, bytesPerTask) = await EndToEndScenarios.RunAsync(agents, tasks, frameworks: 4, TimeSpan.FromSeconds(300));
        rows.Add(new($"tasks to RUNNING, {agents} agents, delegate tasks", tasksPerSecond, "tasks/s", "goal 50,000", tasksPerSecond / 50_000, ">= 1.0x", tasksPerSecond >= 50_000));
        rows.Add(new("retained per running task (Embedded's share)", bytesPerTask, "B", "goal 1,024 B", bytesPerTask / 1024, "<= 1.0x", bytesPerTask <= 1024));

        var jobsPerSecond = await JobScenarios.RunAsync(4, jobs, runs: 1);
        rows.Add(new("short delegate jobs to FINISHED through IJobClient", jobsPerSecond, "jobs/s", "goal 30,000", jobsPerSecond / 30_000, ">= 1.0x", jobsPerSecond >= 30_000));

        var failover = await FailoverScenarios.RunAsync(10_000, tasks, 4, restarts: 3, TimeSpan.FromSeconds(600));
        rows.Add(new("master failover, 10,000 agents, worst of 3 restarts", failover, "ms", "Mesos 1.5 about 4,500 ms", failover / 4500, "< 1,000 ms", failover < 1000));

        var (processJobs, processStart, processRatio) = await ProcessJobScenarios.RunAsync(1_000, 8, rounds: 3, embeddedOnly: false, under: null, checkpoint: false);
        rows.Add(new("`sh -c true` process jobs through IJobClient", processJobs, "jobs/s", $"Process.Start {processStart:F0}/s", processRatio, ">= 0.8x", processRatio >= 0.8));

        // As deployed: the frameworks in a process of their own, both past the JIT; beside the same launch in process.
        var launchedInProcess = await HttpScenarios.InProcessAsync(100, 100_000, 4);
        var launchedOverHttp = await HttpScenarios.TasksFromAnotherProcessAsync(100, 100_000, 4, warmup: 20_000);
        rows.Add(new("delegate tasks launched over the HTTP scheduler API", launchedOverHttp, "tasks/s", $"in process {launchedInProcess:F0}/s", launchedOverHttp / launchedInProcess, "goal 10,000/s", launchedOverHttp >= 10_000));

        Measure.Line($"");
        Measure.Line($"{"figure",-52} {"ours",12} {"unit",-8} {"reference",-28} {"ratio",7}  goal");
        foreach (var r in rows)
            Measure.Line($"{r.Figure,-52} {r.Ours.ToString("N0", CultureInfo.InvariantCulture),12} {r.Unit,-8} {r.Reference,-28} {(r.Ratio is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) + "x" : ""),7}  {r.Goal}{(r.Met ? "" : "  (not met)")}");
    }
}
