using Microsoft.Extensions.Options;

namespace Embedded.Orchestration.Agent;

/// <summary>Checks an agent's settings when it starts, so that a bad value fails there with a message, not later in a timer.</summary>
internal sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public static readonly AgentOptionsValidator Instance = new();

    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var failures = new List<string>();
        var agent = $"agent '{options.Name}'";
        if (options.GcDelay < TimeSpan.Zero)
            failures.Add($"{agent}: {nameof(AgentOptions.GcDelay)} must not be negative (it is {options.GcDelay})");
        if (options.DiskWatchInterval <= TimeSpan.Zero)
            failures.Add($"{agent}: {nameof(AgentOptions.DiskWatchInterval)} must be positive (it is {options.DiskWatchInterval})");
        if (double.IsNaN(options.GcDiskHeadroom) || options.GcDiskHeadroom is < 0 or > 1)
            failures.Add($"{agent}: {nameof(AgentOptions.GcDiskHeadroom)} must be from 0 to 1 (it is {options.GcDiskHeadroom})");
        if (options.RecoveryTimeout < TimeSpan.Zero)
            failures.Add($"{agent}: {nameof(AgentOptions.RecoveryTimeout)} must not be negative (it is {options.RecoveryTimeout})");
        else if (options.RecoveryTimeout > TimeSpan.FromDays(365))
            failures.Add($"{agent}: {nameof(AgentOptions.RecoveryTimeout)} must be at most a year (it is {options.RecoveryTimeout})");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> naming every bad value.</summary>
    public static void ThrowIfInvalid(AgentOptions options)
    {
        var result = Instance.Validate(options.Name, options);
        if (result.Failed) throw new OptionsValidationException(options.Name, typeof(AgentOptions), result.Failures);
    }
}
