using System.Net;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

/// <summary>With authentication on, only an agent principal with its right secret may connect an agent; a refusal registers nothing.</summary>
public sealed class AgentAuthenticationTests(ITestOutputHelper output)
{
    private static Task<ClusterApiHost> StartAsync(ITestOutputHelper output, TempFile credentials) =>
        ClusterApiHost.StartAsync(output, o =>
        {
            o.Authentication.CredentialsFile = credentials.Path;
            o.Authentication.OperatorPrincipals.Add("ops");
            o.Authentication.AgentPrincipals.Add("agents");
        });

    private static TempFile Credentials() => new("agents agent-secret\nops secret-ops\n");

    [Fact]
    public async Task An_agent_principal_with_its_secret_joins_and_runs_a_job()
    {
        using var credentials = Credentials();
        await using var master = await StartAsync(output, credentials);
        await using var agent = await RemoteAgentHost.StartAsync(output, master.Address, "far-1", o =>
        {
            o.Principal = "agents";
            o.Secret = "agent-secret";
            o.Agent.SetAttribute("site", "far");
        });
        var result = await master.Cluster.Jobs.RunAsync(Job.Shell("true").WithConstraint(Constraint.Equal("site", "far")));
        result.State.Should().Be(TaskState.Finished, result.ToString());
    }

    [Theory]
    [InlineData("agents", "wrong", "did not accept this agent's credentials (401)")]
    [InlineData(null, null, "did not accept this agent's credentials (401)")]
    [InlineData("ops", "secret-ops", "does not let this agent's principal connect agents (403)")]
    public async Task A_wrong_secret_or_a_principal_that_is_no_agent_is_refused_and_nothing_registers(string? principal, string? secret, string message)
    {
        using var credentials = Credentials();
        await using var master = await StartAsync(output, credentials);

        var join = () => RemoteAgentHost.StartAsync(output, master.Address, "intruder", o =>
        {
            o.Principal = principal;
            o.Secret = secret;
        });

        (await join.Should().ThrowAsync<Exception>()).Which.Message.Should().Contain(message);
        (await master.Cluster.Client.GetAgentsAsync()).Should().NotContain(a => a.AgentId == "intruder");
    }

    [Fact]
    public async Task A_plain_request_to_the_agent_endpoint_is_told_to_use_a_WebSocket()
    {
        await using var master = await ClusterApiHost.StartAsync(output);
        using var http = new HttpClient { BaseAddress = master.Address };
        using var response = await http.GetAsync("/api/v1/agents/connect");
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("WebSocket");
    }
}
