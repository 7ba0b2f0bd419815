using System.Diagnostics;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Soak;
using Microsoft.Extensions.DependencyInjection;

// A bounded soak: many short tasks (in-process and processes) across simulated agents, with random
// agent crashes and restarts, partitions and master restarts. Reports tasks launched, faults
// injected, updates lost (tasks whose framework never learned how they ended: must be 0) and
// orphans (processes of the soak left running: must be 0). Exits non-zero when either is not 0.
//   dotnet run -c Release --project bench/Embedded.Soak -- [--seconds 60] [--agents 8] [--seed 1]
var seconds = Arg("--seconds", 60);
var agentCount = Arg("--agents", 8);
var random = new Random(Arg("--seed", 1));
var marker = "embedded-soak-" + Guid.NewGuid().ToString("N")[..8];
var registry = Path.Combine(Path.GetTempPath(), marker);

await using var cluster = await MiniCluster.StartAsync(configure: c =>
{
    c.Jobs.Enabled = false;
    c.Master.WorkDirectory = registry;
    c.Master.AgentHeartbeatInterval = TimeSpan.FromMilliseconds(200);
    c.Master.MaxMissedHeartbeats = 3;
    c.Master.AgentReregistrationTimeout = TimeSpan.FromSeconds(3);
    c.Master.Allocator.AllocationInterval = TimeSpan.FromMilliseconds(100);
    for (var i = 1; i <= agentCount; i++)
    {
        var agent = c.AddAgent($"soak-{i}", "cpus:2;mem:1024");
        agent.StatusUpdateRetryInterval = TimeSpan.FromMilliseconds(100);
        agent.MaxStatusUpdateRetryInterval = TimeSpan.FromSeconds(1);
        agent.DefaultKillGracePeriod = TimeSpan.FromMilliseconds(100);
    }
});
cluster.ServiceProvider.GetRequiredService<DelegateRegistry>().Register("nap", async (_, ct) =>
{
    await Task.Delay(Random.Shared.Next(5, 100), ct);
    return Random.Shared.Next(10) == 0 ? 1 : 0;
});

var framework = new SoakFramework(cluster.Client, marker);
using var stop = new CancellationTokenSource();
var running = framework.RunAsync(stop.Token);
var faults = new Dictionary<string, int> { ["agent crash+restart"] = 0, ["partition+heal"] = 0, ["master restart"] = 0 };
var watch = Stopwatch.StartNew();
var partitioned = new HashSet<string>();
while (watch.Elapsed < TimeSpan.FromSeconds(seconds))
{
    await Task.Delay(random.Next(100, 600));
    var agent = cluster.Agents[random.Next(cluster.Agents.Count)];
    switch (random.Next(10))
    {
        case < 6:
            if (partitioned.Remove(agent.Id)) agent.Heal();
            await agent.CrashAsync();
            await agent.RestartAsync();
            faults["agent crash+restart"]++;
            break;
        case < 9:
            if (partitioned.Add(agent.Id)) agent.Partition();
            else { agent.Heal(); partitioned.Remove(agent.Id); }
            faults["partition+heal"]++;
            break;
        default:
            await cluster.RestartMasterAsync();
            faults["master restart"]++;
            break;
    }
}

// Quiesce: no new work, every agent back, then give the cluster time to tell the framework everything.
framework.StopLaunching();
foreach (var id in partitioned) cluster.Agent(id).Heal();
var drain = Stopwatch.StartNew();
while (framework.Unfinished > 0 && drain.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(100);
await stop.CancelAsync();
try { await running; } catch (OperationCanceledException) { }

var lost = framework.Tasks.Where(t => !SoakFramework.IsFinal(t.Value)).Select(t => $"{t.Key} ({t.Value?.State.ToString() ?? "never heard of"})").ToList();
var states = framework.Tasks.Values.Where(s => s is not null).GroupBy(s => s!.State).ToDictionary(g => g.Key, g => g.Count());
await Task.Delay(500); // let kills land before looking for orphans
var orphans = Orphans(marker);

Console.WriteLine($"| soak: {seconds} s, {agentCount} agents, seed {Arg("--seed", 1)} | |");
Console.WriteLine("|---|---:|");
Console.WriteLine($"| tasks launched | {framework.Launched} |");
foreach (var (kind, count) in faults) Console.WriteLine($"| faults: {kind} | {count} |");
foreach (var (state, count) in states.OrderBy(s => s.Key)) Console.WriteLine($"| ended {state} | {count} |");
Console.WriteLine($"| updates lost | {lost.Count} |");
Console.WriteLine($"| orphans left | {orphans.Count} |");
if (lost.Count > 0) Console.WriteLine("lost: " + string.Join(", ", lost.Take(20)));
if (orphans.Count > 0) Console.WriteLine("orphans: " + string.Join(", ", orphans));
try { Directory.Delete(registry, recursive: true); } catch (IOException) { }
return lost.Count == 0 && orphans.Count == 0 ? 0 : 1;

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
}

static List<int> Orphans(string marker)
{
    var found = new List<int>();
    foreach (var dir in Directory.EnumerateDirectories("/proc"))
    {
        if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
        try
        {
            if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(marker, StringComparison.Ordinal)
                && !File.ReadAllText(Path.Combine(dir, "stat")).Split(") ")[1].StartsWith('Z'))
                found.Add(pid);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
    return found;
}
