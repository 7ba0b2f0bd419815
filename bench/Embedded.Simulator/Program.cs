using System.Globalization;
using Embedded.Simulator;

// Scale simulations of the real allocator and, end to end, of the real master and agents.
//   dotnet run -c Release --project bench/Embedded.Simulator -- <scenario> [options]
// Every run stops by itself; options bound the size and the rounds.
var scenario = args.Length > 0 ? args[0] : "help";
// The hosts the scenarios build (the API server, a remote client) would watch their content root for appsettings
// changes, recursively: a cost of the benchmark's own hosts (thousands of sandboxes churn there), not of Embedded.
Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, "--" + name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}
string? Text(string name)
{
    var at = Array.IndexOf(args, "--" + name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}
int? Rounds() => Array.IndexOf(args, "--rounds") >= 0 ? Option("rounds", 0) : null;

switch (scenario)
{
    case "decline":
        AllocatorScenarios.DeclineOffers(Option("agents", 10_000), Option("frameworks", 1_000), Rounds());
        break;
    case "suppress":
        AllocatorScenarios.DeclineOffers(Option("agents", 10_000), Option("frameworks", 1_000), Rounds() ?? 20, suppress: true);
        break;
    case "matrix":
        AllocatorScenarios.Matrix(Rounds());
        break;
    case "add-agents":
        AllocatorScenarios.AddAgents(Option("agents", 10_000), Option("frameworks", 1_000));
        break;
    case "add-frameworks":
        AllocatorScenarios.AddFrameworks(Option("frameworks", 1_000), Option("agents", 10_000));
        break;
    case "multi":
        AllocatorScenarios.MultiFramework(Option("agents", 10_000), Option("services", 5), Option("batch", 500), Option("cycles", 60));
        break;
    case "roles":
        AllocatorScenarios.Roles(Option("roles", 1_000), Option("agents", 10_000));
        break;
    case "e2e":
        await EndToEndScenarios.RunAsync(Option("agents", 1_000), Option("tasks", 100_000), Option("frameworks", 4), TimeSpan.FromSeconds(Option("timeout", 300)), TimeSpan.FromSeconds(Option("hold", 0)));
        break;
    case "failover":
        await FailoverScenarios.RunAsync(Option("agents", 10_000), Option("tasks", 100_000), Option("frameworks", 4), Option("restarts", 3), TimeSpan.FromSeconds(Option("timeout", 600)), Option("pause", 0));
        break;
    case "registry":
        FailoverScenarios.Registry(Option("agents", 10_000), Option("rounds", 10));
        break;
    case "jobs":
        await JobScenarios.RunAsync(Option("agents", 4), Option("jobs", 20_000), Option("runs", 3));
        break;
    case "remote-tasks":
        await RemoteAgentScenarios.TasksAsync(Option("jobs", 300), Text("cli") ?? RemoteAgentScenarios.DefaultCli());
        break;
    case "agent-links":
        await RemoteAgentScenarios.LinksAsync(Option("agents", 1_000), Option("ping", 15), Option("seconds", 30), Text("cli") ?? RemoteAgentScenarios.DefaultCli());
        break;
    case "services-vs-swarm":
        await ServiceScenarios.RunAsync(Option("instances", 20), TimeSpan.FromSeconds(Option("monitor", 1)));
        break;
    case "compare":
        await CompareScenarios.RunAsync(Option("agents", 1_000), Option("tasks", 100_000), Option("jobs", 20_000));
        break;
    case "process-jobs":
        await ProcessJobScenarios.RunAsync(Option("jobs", 1_000), Option("concurrency", 8), Option("rounds", 3), args.Contains("--embedded-only"), Text("work-dir"), args.Contains("--checkpoint"));
        break;
    case "http-tasks":
        await HttpScenarios.RunAsync(Option("agents", 2), Option("jobs", 500));
        break;
    case "http-launch":
        if (Text("only") != "warm")
        {
            await HttpScenarios.TasksAsync(Option("agents", 100), Option("tasks", 20_000), Option("frameworks", 4));
            await HttpScenarios.TasksFromAnotherProcessAsync(Option("agents", 100), Option("tasks", 20_000), Option("frameworks", 4));
        }
        await HttpScenarios.TasksFromAnotherProcessAsync(Option("agents", 100), Option("tasks", 20_000), Option("frameworks", 4), Option("warmup", 20_000));
        break;
    case "http-client":
        await HttpScenarios.ClientAsync(new Uri(Text("master") ?? throw new ArgumentException("--master URL")), Option("tasks", 20_000), Option("frameworks", 4), Option("warmup", 0));
        break;
    default:
        Console.WriteLine("""
            scenarios:
              decline         [--agents 10000] [--frameworks 1000] [--rounds frameworks*2]   Mesos's DeclineOffers
              suppress        [--agents 10000] [--frameworks 1000] [--rounds 20]             frameworks suppress after declining
              matrix          [--rounds N]            both shapes at agents {1k,5k,10k,20k} x frameworks {100,1k}
              add-agents      [--agents 10000] [--frameworks 1000]
              add-frameworks  [--frameworks 1000] [--agents 10000]
              multi           [--agents 10000] [--services 5] [--batch 500] [--cycles 60]
              roles           [--roles 1000] [--agents 10000]                               quota + weights at scale
              e2e             [--agents 1000] [--tasks 100000] [--frameworks 4] [--timeout 300] [--hold S]  master+agents, delegate tasks (hold: time for dotnet-gcdump)
              failover        [--agents 10000] [--tasks 100000] [--frameworks 4] [--restarts 3] [--pause 0]  master restart on its registry: agents re-register with their tasks
              registry        [--agents 10000] [--rounds 10]                                 the master registry alone: replay and compaction of N admitted agents
              jobs            [--agents 4] [--jobs 20000] [--runs 3]                         short delegate jobs through IJobClient
              compare         [--agents 1000] [--tasks 100000] [--jobs 20000]             issue 15's figures beside their references, from one run
              process-jobs    [--jobs 1000] [--concurrency 8] [--rounds 3] [--embedded-only] [--work-dir DIR] [--checkpoint]   `sh -c true`: plain Process.Start, then process jobs through IJobClient; the ratio
              http-launch     [--agents 100] [--tasks 20000] [--frameworks 4] [--warmup 20000] [--only warm] delegate tasks to RUNNING, by frameworks in process, over the HTTP scheduler API, then from a child process, cold and after a warm-up
              http-tasks      [--agents 2] [--jobs 500]                                       `true` jobs in process, then over the Mesos HTTP API
              remote-tasks    [--jobs 300] [--cli embedded.dll]                              `sleep` jobs to RUNNING: 3 in-process agents, then 3 agent processes
              services-vs-swarm [--instances 20] [--monitor 1]                                 busybox httpd containers: deploy + rolling update, Embedded then Docker Swarm
              agent-links     [--agents 1000] [--ping 15] [--seconds 30] [--cli embedded.dll] an `embedded master` process with simulated agents over the link
            """);
        break;
}
