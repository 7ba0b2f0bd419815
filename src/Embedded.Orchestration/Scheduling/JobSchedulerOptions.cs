namespace Embedded.Orchestration.Scheduling;

/// <summary>The built-in job scheduler's framework settings.</summary>
public sealed class JobSchedulerOptions
{
    public bool Enabled { get; set; } = true;
    public string FrameworkName { get; set; } = "embedded-jobs";
    public string Role { get; set; } = "*";

    /// <summary>Whether agents checkpoint the jobs' tasks, so that a restarted agent recovers them (see <see cref="Model.FrameworkInfo.Checkpoint"/>).</summary>
    public bool Checkpoint { get; set; } = true;

    /// <summary>How long a restarted master keeps the scheduler's tasks while it subscribes again.</summary>
    public TimeSpan FailoverTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the scheduler explains the jobs that wait (<see cref="JobHandle.Placement"/>) and ends those past their placement timeout.</summary>
    public TimeSpan PlacementCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most retries a job may ask for, so a typo cannot loop for ever.</summary>
    public int MaxRetries { get; set; } = 100;
}
