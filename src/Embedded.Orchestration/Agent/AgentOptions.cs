using Embedded.Orchestration.Execution;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Agent;

/// <summary>One agent's settings: its name, what it offers, and the executors it runs tasks with.</summary>
public sealed class AgentOptions
{
    /// <summary>The agent's id in the cluster; unique among agents.</summary>
    public string Name { get; set; } = "agent";

    public string Hostname { get; set; } = Environment.MachineName;

    /// <summary>
    /// What the agent offers, as <c>cpus:4;mem:8192;ports:[31000-32000]</c>. When null: this machine's
    /// cpus and memory, 10 GB of disk and ports 31000-32000, as Mesos detects them.
    /// </summary>
    public string? Resources { get; set; }

    /// <summary>Attributes to match placement constraints; <c>os</c> and <c>arch</c> are added unless set.</summary>
    public Dictionary<string, string> Attributes { get; } = new(StringComparer.Ordinal);

    /// <summary>Where sandboxes live; by default a folder per agent under the system temp directory.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>First wait before re-sending an unacknowledged status update (Mesos: 10 s), doubling each time.</summary>
    public TimeSpan StatusUpdateRetryInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between re-sends (Mesos: 10 min).</summary>
    public TimeSpan MaxStatusUpdateRetryInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Time between SIGTERM and SIGKILL when neither the kill nor the task names one.</summary>
    public TimeSpan DefaultKillGracePeriod { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Time between SIGTERM and SIGKILL for the tasks still running when the agent shuts down.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Whether shutting the agent down kills its tasks (the default). Off, tasks and containers are
    /// left running for an agent with the same work directory to recover.
    /// </summary>
    public bool KillTasksOnShutdown { get; set; } = true;

    /// <summary>
    /// What an agent restarted with the same work directory does with the tasks its predecessor left
    /// running (of frameworks that checkpoint): reattach to them (Mesos's recover=reconnect) or kill them (cleanup).
    /// </summary>
    public AgentRecovery Recovery { get; set; } = AgentRecovery.Reconnect;

    /// <summary>
    /// How long the sandbox of a task the agent has forgotten (it ended and its last update was
    /// acknowledged) is kept, so that its output can still be read, before it is removed with its
    /// empty parent directories (Mesos's <c>gc_delay</c>: one week). Sooner when the disk runs short:
    /// see <see cref="GcDiskHeadroom"/>. Zero removes sandboxes as soon as their tasks are forgotten.
    /// </summary>
    public TimeSpan GcDelay { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the agent reads the disk usage of its work directory and prunes sandboxes by it (Mesos's <c>disk_watch_interval</c>: one minute).</summary>
    public TimeSpan DiskWatchInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The share of the disk to keep free, from 0 to 1 (Mesos's <c>gc_disk_headroom</c>: 0.1). At each
    /// disk check, forgotten sandboxes older than <see cref="GcDelay"/> × max(0, 1 − headroom − usage)
    /// are removed: all of them once the disk is more than 90% used, with the default.
    /// </summary>
    public double GcDiskHeadroom { get; set; } = 0.1;

    /// <summary>Reads the used share (0 to 1) of the work directory's disk; null reads the file system. For tests of a full disk.</summary>
    internal Func<double>? DiskUsage { get; set; }

    /// <summary>
    /// How long the tasks of checkpointing frameworks survive this process's death, waiting for an agent
    /// to start again on the same work directory and reattach (Mesos's <c>--recovery_timeout</c>, 15 min).
    /// Past it, the owner lease's watchdog kills and removes them. Tasks of frameworks that do not
    /// checkpoint are removed within seconds of the process's death, whatever this says.
    /// </summary>
    public TimeSpan RecoveryTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Whether a watchdog process removes this agent's containers and processes when the process
    /// hosting it dies in any way (on by default). Off, what a crashed process leaves runs until an
    /// agent starts again on the same work directory.
    /// </summary>
    public bool OwnerLease { get; set; } = true;

    /// <summary>Makes the probe of a task's health or readiness check; null: real HTTP, TCP and command probes. For tests of the checks' timing.</summary>
    internal Func<Model.HealthCheck, Health.HealthProbeTarget, Health.IHealthProbe>? HealthProbes { get; set; }

    /// <summary>Set by the cluster when it made the work directory itself and removes it when done.</summary>
    internal bool TemporaryWorkDirectory { get; set; }

    /// <summary>How the agent builds its executors, tried in order for each task.</summary>
    public List<Func<ExecutorContext, ITaskExecutor>> Executors { get; } = [];

    /// <summary>Runs command tasks as OS processes.</summary>
    public AgentOptions UseProcesses()
    {
        Executors.Add(c => new ProcessExecutor(c.Time, c.LoggerFactory.CreateLogger<ProcessExecutor>()) { Sandboxes = new WorkDirectoryLayout(c.WorkDirectory).Sandboxes });
        return this;
    }

    /// <summary>Runs delegate tasks in this process.</summary>
    public AgentOptions UseDelegates()
    {
        Executors.Add(c => new DelegateExecutor(c.Delegates, c.Time));
        return this;
    }

    // These options are mutable, so their fluent calls change this object and return it; a With… would return a copy.

    /// <summary>Sets what the agent offers, as <c>cpus:4;mem:8192;ports:[31000-32000]</c>.</summary>
    public AgentOptions SetResources(string resources)
    {
        Resources = resources;
        return this;
    }

    /// <summary>Adds (or replaces) an attribute that placement constraints match.</summary>
    public AgentOptions SetAttribute(string name, string value)
    {
        Attributes[name] = value;
        return this;
    }
}

public enum AgentRecovery { Reconnect, Cleanup }

/// <summary>What an executor factory gets from the cluster it joins.</summary>
public sealed record ExecutorContext(string AgentId, TimeProvider Time, ILoggerFactory LoggerFactory, DelegateRegistry Delegates)
{
    /// <summary>The agent's owner lease, which executors tell where else their tasks live (a Docker engine).</summary>
    internal Lease.AgentLease? Lease { get; init; }

    /// <summary>The agent's work directory, where sandboxes and the checkpoint live.</summary>
    public string WorkDirectory { get; init; } = Path.GetTempPath();
}
