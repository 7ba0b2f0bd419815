using Embedded.Client;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace Embedded.Cli.Tests;

/// <summary>
/// A cluster of real processes on loopback: `embedded master` on a free port plus N `embedded agent`
/// processes (agent-1…agent-N, attribute rack:r1…rN, each its own work directory under a temp
/// directory), with short heartbeats so that a lost agent is unreachable within a few seconds. Agents
/// and the master can be SIGKILLed and started again on their work directories (the master on the same
/// port); with <c>proxied</c> each agent reaches the master through a <see cref="TcpProxy"/> the test
/// cuts and heals. Disposing stops every process, including the tasks and watchdogs they left, and
/// removes the directory.
/// </summary>
internal sealed class ProcessCluster : IAsyncDisposable
{
    /// <summary>0.5 s heartbeats, 6 missed: an agent that is gone is unreachable after 3 s.</summary>
    private static readonly string[] Heartbeats = ["--agent-ping-timeout", "0.5", "--max-agent-ping-timeouts", "6"];

    private readonly string[] _masterArgs;
    private readonly Func<int, IEnumerable<string>> _agentArgs;
    private readonly List<CliProcess> _retired = [];
    private readonly List<CliProcess> _others = [];
    private readonly List<int> _agentPids = [];
    private readonly CliProcess?[] _agents;
    private readonly TcpProxy?[] _proxies;
    private ServiceProvider? _client;
    private bool _disposed;

    private ProcessCluster(int agents, bool proxied, string[] masterArgs, Func<int, IEnumerable<string>> agentArgs)
    {
        Root = Path.Combine(Path.GetTempPath(), $"embedded-mp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Root);
        Port = LoopbackPort.Free();
        Url = $"http://127.0.0.1:{Port}";
        _masterArgs = masterArgs;
        _agentArgs = agentArgs;
        _agents = new CliProcess?[agents];
        _proxies = new TcpProxy?[agents];
        if (proxied)
            for (var i = 0; i < agents; i++) _proxies[i] = TcpProxy.Start(Port);
    }

    /// <summary>The temp directory everything lives under (work directories, files a test shares with its tasks).</summary>
    public string Root { get; }

    public int Port { get; }

    /// <summary>The master's HTTP API, as frameworks, operators and (unless proxied) agents reach it.</summary>
    public string Url { get; }

    public CliProcess Master { get; private set; } = null!;

    public int AgentCount => _agents.Length;

    /// <summary>The running process of agent <paramref name="i"/> (0-based; its name is agent-{i+1}).</summary>
    public CliProcess Agent(int i) => _agents[i] ?? throw new InvalidOperationException($"{AgentName(i)} is not running");

    public static string AgentName(int i) => $"agent-{i + 1}";

    public string AgentWorkDirectory(int i) => Path.Combine(Root, AgentName(i));

    /// <summary>The proxy between agent <paramref name="i"/> and the master (with <c>proxied: true</c>).</summary>
    public TcpProxy Proxy(int i) => _proxies[i] ?? throw new InvalidOperationException("the cluster was started without proxies");

    /// <summary>A framework's and operator's view of the cluster over its HTTP API (created on first use, disposed with the cluster).</summary>
    public IClusterClient Client
    {
        get
        {
            _client ??= new ServiceCollection().AddRemoteCluster(new Uri(Url)).BuildServiceProvider();
            return _client.GetRequiredService<IClusterClient>();
        }
    }

    /// <summary>
    /// Starts the master (with a work directory) and <paramref name="agents"/> agents, each once it has
    /// joined. <paramref name="masterArgs"/> and <paramref name="agentArgs"/> (by agent index) are added to
    /// their command lines.
    /// </summary>
    public static async Task<ProcessCluster> StartAsync(
        int agents = 1, bool proxied = false, string[]? masterArgs = null, Func<int, IEnumerable<string>>? agentArgs = null)
    {
        var cluster = new ProcessCluster(agents, proxied, masterArgs ?? [], agentArgs ?? (_ => []));
        try
        {
            await cluster.StartMasterAsync();
            await Task.WhenAll(Enumerable.Range(0, agents).Select(cluster.StartAgentAsync));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILLs agent <paramref name="i"/> (its tasks live on, as they would on a crashed host) and waits for its exit.</summary>
    public async Task KillAgentAsync(int i)
    {
        var agent = Agent(i);
        _agents[i] = null;
        _retired.Add(agent);
        agent.Signal(9);
        await agent.WaitForExitAsync();
    }

    /// <summary>Starts agent <paramref name="i"/> again on its work directory (SIGKILLing it first if it runs) and waits until it has joined.</summary>
    public async Task RestartAgentAsync(int i)
    {
        if (_agents[i] is not null) await KillAgentAsync(i);
        await StartAgentAsync(i);
    }

    /// <summary>SIGKILLs the master and waits for its exit.</summary>
    public async Task KillMasterAsync()
    {
        _retired.Add(Master);
        Master.Signal(9);
        await Master.WaitForExitAsync();
    }

    /// <summary>Starts the master again on its work directory and port, and waits until it serves (not until the agents are back).</summary>
    public Task RestartMasterAsync() => StartMasterAsync();

    /// <summary>Waits until every running agent is registered and reachable, as the master's GET_AGENTS tells it.</summary>
    public Task WaitForAgentsAsync() => Until(async () =>
    {
        var agents = await Client.GetAgentsAsync();
        return Enumerable.Range(0, AgentCount).Where(i => _agents[i] is not null)
            .All(i => agents.Any(a => a.AgentId == AgentName(i) && a.Reachable));
    }, "every running agent registered and reachable");

    /// <summary>Polls <paramref name="condition"/> until it holds; throws after the hang guard saying what it waited for.</summary>
    public static async Task Until(Func<Task<bool>> condition, string what)
    {
        using var guard = new CancellationTokenSource(CliProcess.Guard);
        while (!await condition())
        {
            if (guard.IsCancellationRequested) throw new TimeoutException($"not {what} within {CliProcess.Guard}");
            await Task.Delay(50, CancellationToken.None);
        }
    }

    /// <summary>
    /// Starts one more agent process, <paramref name="name"/> on <paramref name="workDirectory"/> (under <see cref="Root"/>),
    /// straight to the master, without waiting for it; stopped with the cluster.
    /// </summary>
    public CliProcess StartOtherAgent(string name, string workDirectory, params string[] extra)
    {
        var agent = CliProcess.Start(["agent", "--master", Url, "--name", name, "--resources", "cpus:1;mem:512", "--work-dir", workDirectory, "-v", .. extra]);
        _others.Add(agent);
        _agentPids.Add(agent.Pid);
        return agent;
    }

    private async Task StartMasterAsync()
    {
        var master = CliProcess.Start(["master", "--listen", Url, "--work-dir", Path.Combine(Root, "master"), .. Heartbeats, .. _masterArgs]);
        Master = master;
        await master.WaitForLineAsync(l => l.StartsWith($"Embedded master at {Url}", StringComparison.Ordinal));
    }

    private async Task StartAgentAsync(int i)
    {
        var master = _proxies[i]?.Url.ToString().TrimEnd('/') ?? Url;
        var agent = CliProcess.Start([
            "agent", "--master", master, "--name", AgentName(i), "--resources", "cpus:1;mem:512",
            "--attributes", $"rack:r{i + 1}", "--work-dir", AgentWorkDirectory(i), "-v", .. _agentArgs(i),
        ]);
        _agents[i] = agent;
        _agentPids.Add(agent.Pid);
        await agent.WaitForLineAsync(l => l.StartsWith($"Agent {AgentName(i)} joined the master", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (_client is not null) await _client.DisposeAsync();
        // Agents first, with SIGTERM: a stopping agent kills its tasks (and removes its containers) itself.
        await Task.WhenAll(_agents.OfType<CliProcess>().Concat(_others).Select(StopAsync));
        await StopAsync(Master);
        foreach (var process in _retired) await process.DisposeAsync();
        foreach (var proxy in _proxies) proxy?.Dispose();
        // What a SIGKILLed agent left: its tasks, and the watchdogs that would kill them after the recovery timeout.
        foreach (var pid in ProcTable.LeftBy(Root, _agentPids)) Processes.Signal(pid, 9);
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A task killed a moment ago may still be writing its sandbox; the temp directory is the system's to clean then.
        }
    }

    private static async Task StopAsync(CliProcess? process)
    {
        if (process is null) return;
        try
        {
            process.Signal(15);
            await process.WaitForExitAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Exited already, or would not stop: disposing kills its tree.
        }
        await process.DisposeAsync();
    }
}
