using System.Globalization;
using Microsoft.Extensions.Logging;
using System.Text.Json;
using Embedded.Orchestration.Docker;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;

// Starts a MiniCluster with a Docker agent and a process agent, runs three `sleep 600` containers and
// three `sleep 600` shell jobs, prints "ready {json}" with what it started, and waits to be killed.
//   --work DIR             agents' (and the master's) work directories under DIR instead of temporary ones
//   --checkpoint           the job framework checkpoints (its tasks survive the process for the recovery timeout)
//   --recovery-timeout S   the agents' recovery timeout in seconds
//   --recover              launch nothing: start the agents on DIR again, reattach, print "ready", wait
//   --crash-and-stop       once the tasks run, crash both agents and stop the cluster (what they left runs on), then print "ready"
string? work = null;
var checkpoint = false;
var recover = false;
var crashAndStop = false;
TimeSpan? recoveryTimeout = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--work": work = args[++i]; break;
        case "--checkpoint": checkpoint = true; break;
        case "--recover": recover = true; break;
        case "--crash-and-stop": crashAndStop = true; break;
        case "--recovery-timeout": recoveryTimeout = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)); break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

const string Image = "embedded-test/busybox:latest";
using var loggers = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddConsole().SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Information));
await using var cluster = await MiniCluster.StartAsync(0, loggerFactory: recover ? loggers : null, configure: o =>
{
    o.Jobs.Checkpoint = checkpoint;
    o.Jobs.Enabled = !recover;
    if (work is not null) o.Master.WorkDirectory = Path.Combine(work, "master");
    var docker = o.AddAgent("docker", "cpus:2;mem:1024;disk:1024;ports:[31000-31099]").SetAttribute("runtime", "docker").UseDocker();
    var processes = o.AddAgent("proc", "cpus:2;mem:1024;disk:1024;ports:[31100-31199]").SetAttribute("runtime", "process").UseProcesses();
    foreach (var agent in new[] { docker, processes })
    {
        if (work is not null) agent.WorkDirectory = Path.Combine(work, agent.Name);
        if (recoveryTimeout is { } timeout) agent.RecoveryTimeout = timeout;
    }
});

if (!recover)
{
    var handles = new List<JobHandle>();
    for (var i = 0; i < 3; i++)
    {
        handles.Add(await cluster.Jobs.SubmitAsync(Job.Docker(Image, ["sleep", "600"]).WithConstraint(Constraint.Equal("runtime", "docker"))));
        handles.Add(await cluster.Jobs.SubmitAsync(Job.Shell("sleep 600").WithConstraint(Constraint.Equal("runtime", "process"))));
    }
    foreach (var handle in handles)
        await foreach (var update in handle.WatchAsync())
        {
            if (update.State == TaskState.Running) break;
            if (update.IsTerminal) throw new InvalidOperationException($"job {handle.JobId} ended before it ran: {update}");
        }
}
else
{
    // Reattached tasks are back in the master's view once both agents have registered again.
    for (var polls = 0; ; polls++)
    {
        var now = await cluster.GetStateAsync();
        if (now.Tasks.Count(t => t.State == TaskState.Running) >= 6) break;
        if (polls % 100 == 99)
            Console.Error.WriteLine($"waiting for 6 running tasks: frameworks [{string.Join(", ", now.Frameworks.Select(f => f.FrameworkId))}], " +
                $"tasks [{string.Join(", ", now.Tasks.Select(t => $"{t.TaskId} {t.State}"))}], completed [{string.Join(", ", now.CompletedTasks.Select(t => $"{t.TaskId} {t.State} {t.LastStatus?.Message}"))}]");
        await Task.Delay(20);
    }
}

var state = await cluster.GetStateAsync();
var ready = new
{
    pid = Environment.ProcessId,
    workDirectories = cluster.Agents.Select(a => a.WorkDirectory).ToArray(),
    leases = await LeasesAsync(cluster.Agent("docker").WorkDirectory, state.Frameworks.Select(f => f.FrameworkId).ToArray()),
    processes = Directory.EnumerateFiles(cluster.Agent("proc").WorkDirectory, ".embedded-pid", SearchOption.AllDirectories).Select(File.ReadAllText).ToArray(),
    running = state.Tasks.Count(t => t.State == TaskState.Running),
};
if (crashAndStop)
{
    foreach (var agent in cluster.Agents) await agent.CrashAsync();
    await cluster.DisposeAsync();
}
Console.WriteLine("ready " + JsonSerializer.Serialize(ready));
await Task.Delay(Timeout.Infinite);
return 0;

// The lease label of this run's containers, as the engine has it: a temporary work directory keeps its lease id only in memory.
static async Task<string[]> LeasesAsync(string workDirectory, string[] frameworks)
{
    var file = Path.Combine(workDirectory, "meta", "lease-id");
    if (File.Exists(file)) return [File.ReadAllText(file).Trim()];
    using var docker = new Docker.DotNet.DockerClientBuilder().Build();
    var containers = await docker.Containers.ListContainersAsync(new Docker.DotNet.Models.ContainersListParameters
    {
        All = true,
        Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { ["embedded.managed=true"] = true } },
    });
    return [.. containers.Where(c => c.Labels.TryGetValue("embedded.framework", out var f) && frameworks.Contains(f)).Select(c => c.Labels["embedded.lease"]).Distinct()];
}
