using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Scheduling.Services;

namespace Embedded.Client;

/// <summary>How to reach a remote cluster's Mesos v1 HTTP API, and how its job and service schedulers behave.</summary>
public sealed class RemoteClusterOptions
{
    /// <summary>The master's address, such as <c>http://127.0.0.1:5050/</c>.</summary>
    public Uri? Master { get; set; }

    /// <summary>HTTP Basic credentials (with <see cref="Password"/>); null for none.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>A bearer token, sent instead of Basic credentials when set.</summary>
    public string? BearerToken { get; set; }

    /// <summary>
    /// The kinds of task this client places on remote agents: of those an Embedded master says an agent runs (its
    /// <c>embedded_task_kinds</c> attribute), these; all of these where the master does not say (a Mesos master). A
    /// delegate runs only in the process that registered it, so it is not among the defaults.
    /// </summary>
    public IList<TaskKind> TaskKinds { get; } = [TaskKind.Command, TaskKind.Container];

    /// <summary>The remote <see cref="IJobClient"/>'s framework: name, role, retries, failover.</summary>
    public JobSchedulerOptions Jobs { get; } = new();

    /// <summary>
    /// The remote <see cref="IServiceClient"/>'s framework (it subscribes with the first deployment), the
    /// services deployed as the host starts, and where their specs are kept (<see cref="ServiceSchedulerOptions.WorkDirectory"/>).
    /// </summary>
    public ServiceSchedulerOptions Services { get; } = new();
}
