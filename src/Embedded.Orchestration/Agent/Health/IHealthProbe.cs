namespace Embedded.Orchestration.Agent.Health;

/// <summary>One way to look at a task (an HTTP GET, a TCP connect, a command): the seam between a <see cref="HealthChecker"/>'s timing and the I/O.</summary>
internal interface IHealthProbe
{
    /// <summary>What it probes, for messages: "HTTP GET http://127.0.0.1:31005/health".</summary>
    string Description { get; }

    /// <summary>Probes once; the token is cancelled when the check's timeout is up. Exceptions count as failures.</summary>
    ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken);
}

/// <summary>What one probe saw: passed or not, and a message that says what it saw ("HTTP GET http://127.0.0.1:31005/health: 503").</summary>
internal readonly record struct ProbeResult(bool Passed, string Message);
