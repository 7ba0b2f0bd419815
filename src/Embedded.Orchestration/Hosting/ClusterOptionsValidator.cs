using Embedded.Orchestration.Agent;
using Embedded.Orchestration.Master;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Options;

namespace Embedded.Orchestration.Hosting;

/// <summary>
/// Checks a whole cluster's settings once, at start: timings, counts, agent names and resources, and
/// each agent's own settings. Every bad value is named in one <see cref="OptionsValidationException"/>,
/// and nothing starts.
/// </summary>
internal sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        var failures = new List<string>();
        void Positive(string what, TimeSpan value)
        {
            if (value <= TimeSpan.Zero) failures.Add($"{what} must be positive (it is {value})");
        }
        void NotNegative(string what, TimeSpan value)
        {
            if (value < TimeSpan.Zero) failures.Add($"{what} must not be negative (it is {value})");
        }

        var master = options.Master;
        Positive($"Master.{nameof(MasterOptions.AgentHeartbeatInterval)}", master.AgentHeartbeatInterval);
        Positive($"Master.{nameof(MasterOptions.FrameworkHeartbeatInterval)}", master.FrameworkHeartbeatInterval);
        Positive($"Master.{nameof(MasterOptions.AgentReregistrationTimeout)}", master.AgentReregistrationTimeout);
        Positive($"Master.Allocator.{nameof(master.Allocator.AllocationInterval)}", master.Allocator.AllocationInterval);
        if (master.MaxMissedHeartbeats < 1) failures.Add($"Master.{nameof(MasterOptions.MaxMissedHeartbeats)} must be at least 1 (it is {master.MaxMissedHeartbeats})");
        if (master.WatcherBufferEvents < 1) failures.Add($"Master.{nameof(MasterOptions.WatcherBufferEvents)} must be at least 1 (it is {master.WatcherBufferEvents})");
        if (master.MaxCompletedTasks < 0) failures.Add($"Master.{nameof(MasterOptions.MaxCompletedTasks)} must not be negative (it is {master.MaxCompletedTasks})");
        foreach (var (role, weight) in master.Allocator.RoleWeights)
            if (double.IsNaN(weight) || double.IsInfinity(weight) || weight <= 0) failures.Add($"the weight of role '{role}' must be a positive number (it is {weight})");

        var jobs = options.Jobs;
        Positive($"Jobs.{nameof(jobs.PlacementCheckInterval)}", jobs.PlacementCheckInterval);
        NotNegative($"Jobs.{nameof(jobs.FailoverTimeout)}", jobs.FailoverTimeout);
        if (jobs.MaxRetries < 0) failures.Add($"Jobs.{nameof(jobs.MaxRetries)} must not be negative (it is {jobs.MaxRetries})");
        if (string.IsNullOrWhiteSpace(jobs.FrameworkName)) failures.Add($"Jobs.{nameof(jobs.FrameworkName)} must not be empty");

        var services = options.Services;
        NotNegative($"Services.{nameof(services.FailoverTimeout)}", services.FailoverTimeout);
        if (services.OutputInterval != Timeout.InfiniteTimeSpan) Positive($"Services.{nameof(services.OutputInterval)}", services.OutputInterval);
        if (string.IsNullOrWhiteSpace(services.FrameworkName)) failures.Add($"Services.{nameof(services.FrameworkName)} must not be empty");
        if (services.Specs.Any(s => s is null)) failures.Add("a service added with AddService is null");
        else if (Scheduling.Services.ServiceStartup.Problem(services.Specs) is { } problem) failures.Add(problem);

        foreach (var duplicate in options.Agents.GroupBy(a => a.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
            failures.Add($"two agents are named '{duplicate.Key}'");
        foreach (var agent in options.Agents)
        {
            var who = $"agent '{agent.Name}'";
            if (!TaskValidation.IsValidId(agent.Name)) failures.Add($"{who}: a name must be 1 to {TaskValidation.MaxIdLength} letters, digits, '.', '_' or '-'");
            if (agent.Resources is { } text && !Resources.TryParse(text, out _, out var error)) failures.Add($"{who}: resources '{text}': {error}");
            Positive($"{who}: {nameof(AgentOptions.StatusUpdateRetryInterval)}", agent.StatusUpdateRetryInterval);
            if (agent.MaxStatusUpdateRetryInterval < agent.StatusUpdateRetryInterval)
                failures.Add($"{who}: {nameof(AgentOptions.MaxStatusUpdateRetryInterval)} ({agent.MaxStatusUpdateRetryInterval}) must not be shorter than {nameof(AgentOptions.StatusUpdateRetryInterval)} ({agent.StatusUpdateRetryInterval})");
            NotNegative($"{who}: {nameof(AgentOptions.DefaultKillGracePeriod)}", agent.DefaultKillGracePeriod);
            NotNegative($"{who}: {nameof(AgentOptions.ShutdownGracePeriod)}", agent.ShutdownGracePeriod);
            if (AgentOptionsValidator.Instance.Validate(agent.Name, agent) is { Failed: true } own) failures.AddRange(own.Failures);
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
