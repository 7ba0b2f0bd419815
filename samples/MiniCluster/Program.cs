using System.Diagnostics;
using Embedded.Orchestration.Docker;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Embedded.Samples.MiniCluster;
using Microsoft.Extensions.Logging;

// A master, three agents of different sizes, the built-in job scheduler and a second,
// hand-written framework, all in this process. Runs a small demo workload and prints where each
// piece of work ran and how it ended; then keeps a service of three instances, kills one and
// rolls an update over them.
using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
const string image = "embedded-test/busybox:latest"; // imported by scripts/setup.sh from Debian's busybox-static
var dockerProblem = await DockerEngineCheck.WhyNotAsync(image: image, cancellationToken: timeout.Token);
Console.WriteLine(dockerProblem is null
    ? $"Docker: an engine answers; agent 'docker' runs containers of {image}."
    : $"Docker: not used ({dockerProblem}); the demo runs processes and in-process tasks only.");
var started = Stopwatch.StartNew();
await using var cluster = await MiniCluster.StartAsync(configure: c =>
{
    if (dockerProblem is null)
        c.AddAgent("docker", "cpus:2;mem:1024;disk:4096;ports:[31300-31399]").UseDocker();
    c.AddAgent("small", "cpus:1;mem:1024;disk:4096;ports:[31000-31099]").SetAttribute("rack", "r1");
    c.AddAgent("medium", "cpus:2;mem:2048;disk:8192;ports:[31100-31199]").SetAttribute("rack", "r1");
    c.AddAgent("large", "cpus:4;mem:4096;disk:16384;ports:[31200-31299]").SetAttribute("rack", "r2");
    c.Master.Allocator.RoleWeights["analytics"] = 1;
}, loggerFactory: loggers, cancellationToken: timeout.Token);
Console.WriteLine($"Mini cluster up in {started.ElapsedMilliseconds} ms: {string.Join(", ", cluster.Agents.Select(a => $"{a.Id} ({a.Resources})"))}");

Job[] jobs =
{
    Job.Shell("echo hello from $EMBEDDED_TASK_ID") with { Id = "hello" },
    Job.Shell("i=0; s=0; while [ $i -lt 20000 ]; do i=$((i+1)); s=$((s+i)); done; echo sum=$s", "cpus:1;mem:128") with { Id = "compute" },
    Job.Shell("echo listening on $PORT0", "cpus:0.5;mem:64") with { Id = "ports", Ports = 1 },
    Job.Shell("echo big work; sleep 0.2", "cpus:3;mem:2048") with { Id = "big" },
    (Job.Shell("echo placed on rack r1") with { Id = "rack-r1" }).WithConstraint(Constraint.Equal("rack", "r1")),
    Job.Shell("echo try; exit 3") with { Id = "flaky", Retries = 1 },
    Job.Shell("sleep 30") with { Id = "too-slow", Timeout = TimeSpan.FromMilliseconds(500) },
    Job.Shell("echo never", "cpus:64;mem:64") with { Id = "too-big" }, // no agent has 64 cpus: fails at once, saying so
    Job.Run(async (ctx, ct) =>
    {
        await ctx.Stdout.WriteLineAsync($"in-process task {ctx.TaskId} on {ctx.AgentId}");
        return 0;
    }) with { Id = "in-process" },
};
if (dockerProblem is null)
{
    var hello = Job.Docker(image, ["sh", "-c", "echo hello from container $(hostname)"], "cpus:0.5;mem:64") with { Id = "container" };
    var failing = Job.Docker(image, ["sh", "-c", "echo failing on purpose; exit 2"], "cpus:0.5;mem:64") with { Id = "container-fail" };
    jobs = [.. jobs, hello, failing]; // placed on the agent with a container executor, no constraint needed
}
var submitted = new List<(string Framework, Task<JobResult> Result)>();
foreach (var job in jobs)
    submitted.Add(("embedded-jobs", (await cluster.Jobs.SubmitAsync(job, timeout.Token)).Completion));

var analytics = new AnalyticsFramework(cluster.Client).RunAsync(
[
    ("etl-1", "echo extract; echo transform; echo load", Resources.Parse("cpus:0.5;mem:256")),
    ("etl-2", "echo aggregate", Resources.Parse("cpus:0.5;mem:256")),
    ("etl-3", "echo report; exit 1", Resources.Parse("cpus:0.25;mem:64")),
], timeout.Token);

var rows = new List<string[]>();
foreach (var (framework, result) in submitted)
{
    var r = await result;
    rows.Add([r.JobId, framework, r.AgentId ?? "-", r.State.ToString().ToUpperInvariant(), Describe(r.Reason, r.ExitCode), r.Attempts.ToString(), r.Placement?.Message ?? FirstLine(r.Stdout)]);
}
foreach (var status in await analytics)
    rows.Add([status.TaskId, "analytics", status.AgentId ?? "-", status.State.ToString().ToUpperInvariant(), Describe(status.Reason, status.ExitCode), "1", ""]);

PrintTable(["work", "framework", "agent", "state", "reason / exit", "attempts", "output"], rows);
Console.WriteLine();
await ServiceDemo.RunAsync(cluster, timeout.Token);
var state = await cluster.GetStateAsync(timeout.Token);
Console.WriteLine($"Done in {started.ElapsedMilliseconds} ms; {state.CompletedTasks.Length} tasks ended, {state.Tasks.Length} still active.");
return 0;

static string Describe(TaskReason reason, int? exitCode) =>
    string.Join(", ", new[] { reason == TaskReason.None ? null : reason.ToString(), exitCode is { } c ? $"exit {c}" : null }.Where(s => s is not null));

static string FirstLine(string text) => text.Split('\n', 2)[0] is var line && line.Length > 40 ? line[..40] + "…" : text.Split('\n', 2)[0];

static void PrintTable(string[] header, List<string[]> rows)
{
    var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
    string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
    Console.WriteLine(Line(header));
    Console.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
    foreach (var row in rows) Console.WriteLine(Line(row));
}
