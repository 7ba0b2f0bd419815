using Microsoft.Extensions.Options;

namespace Embedded.Orchestration.Hosting;

/// <summary>Checks a remote agent's settings at start: the master's URL, the link's timings, and the agent as a cluster's agent is checked.</summary>
internal sealed class RemoteAgentOptionsValidator : IValidateOptions<RemoteAgentOptions>
{
    public ValidateOptionsResult Validate(string? name, RemoteAgentOptions options)
    {
        var failures = new List<string>();
        if (options.Master is not { IsAbsoluteUri: true, Scheme: "http" or "https" })
            failures.Add($"{nameof(RemoteAgentOptions.Master)} must be the master's http:// or https:// URL (it is {options.Master?.ToString() ?? "not set"})");
        if ((options.Principal is null) != (options.Secret is null))
            failures.Add($"{nameof(RemoteAgentOptions.Principal)} and {nameof(RemoteAgentOptions.Secret)} go together: set both or neither");
        if (options.BearerToken is not null && (options.Principal is not null || string.IsNullOrWhiteSpace(options.BearerToken)))
            failures.Add($"{nameof(RemoteAgentOptions.BearerToken)} must be non-empty, and is instead of {nameof(RemoteAgentOptions.Principal)} and {nameof(RemoteAgentOptions.Secret)}, not beside them");
        foreach (var (what, value) in new[]
                 {
                     (nameof(options.MinReconnectDelay), options.MinReconnectDelay), (nameof(options.ConnectTimeout), options.ConnectTimeout),
                     (nameof(options.KeepAliveInterval), options.KeepAliveInterval), (nameof(options.KeepAliveTimeout), options.KeepAliveTimeout),
                 })
            if (value <= TimeSpan.Zero) failures.Add($"{what} must be positive (it is {value})");
        if (options.MaxReconnectDelay < options.MinReconnectDelay)
            failures.Add($"{nameof(options.MaxReconnectDelay)} ({options.MaxReconnectDelay}) must not be shorter than {nameof(options.MinReconnectDelay)} ({options.MinReconnectDelay})");
        var cluster = new ClusterOptions();
        cluster.Agents.Add(options.Agent);
        if (new ClusterOptionsValidator().Validate(name, cluster) is { Failed: true } agent) failures.AddRange(agent.Failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
