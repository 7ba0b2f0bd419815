namespace Embedded.Orchestration.Scheduling.Services;

/// <summary>The built-in service scheduler's framework settings, and the services deployed with the host.</summary>
public sealed class ServiceSchedulerOptions
{
    public bool Enabled { get; set; } = true;
    public string FrameworkName { get; set; } = "embedded-services";
    public string Role { get; set; } = "*";

    /// <summary>Whether agents checkpoint the instances' tasks, so that a restarted agent recovers them.</summary>
    public bool Checkpoint { get; set; } = true;

    /// <summary>How long a restarted master keeps the services' instances while the scheduler subscribes again.</summary>
    public TimeSpan FailoverTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Where the deployed specs are kept (services.json), so that a restarted host brings its services back;
    /// null: the master's work directory when it has one, else nowhere.
    /// </summary>
    public string? WorkDirectory { get; set; }

    /// <summary>How often each running instance's new output is read and logged; <see cref="Timeout.InfiniteTimeSpan"/> logs output only when an instance ends.</summary>
    public TimeSpan OutputInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Deployed when the host starts, each once what it depends on is healthy.</summary>
    public List<ServiceSpec> Specs { get; } = [];
}
