using Embedded.Orchestration.Docker.Tests.Support;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Docker.Tests;

/// <summary>
/// An agent whose engine is a tcp:// endpoint behind TLS with client authentication (Docker's port
/// 2376 setup): the local engine behind a socat proxy that demands a client certificate from a throwaway CA.
/// </summary>
public sealed class TlsEndpointTests(DockerFixture docker, TlsProxyFixture proxy, ITestOutputHelper output)
    : DockerTest(docker, output), IClassFixture<DockerFixture>, IClassFixture<TlsProxyFixture>
{
    [DockerFact]
    public async Task An_agent_with_a_PFX_client_certificate_registers_and_runs_a_container_over_TLS() =>
        await RegistersAndRunsAsync("pfx", d =>
        {
            d.ClientCertificateFile = proxy.ClientPfxFile;
            d.ClientCertificatePassword = TlsProxyFixture.PfxPassword;
        });

    [DockerFact]
    public async Task An_agent_with_a_PEM_client_certificate_and_key_registers_and_runs_a_container_over_TLS() =>
        await RegistersAndRunsAsync("pem", d =>
        {
            d.ClientCertificateFile = proxy.ClientPemFile;
            d.ClientKeyFile = proxy.ClientKeyFile;
        });

    [DockerFact]
    public async Task Without_a_client_certificate_the_agent_fails_to_start_naming_the_endpoint()
    {
        var agent = NewAgent("nocert");
        var error = await StartFailsAsync(agent, d => d.CaCertificateFile = proxy.CaFile);

        Output.WriteLine(error.ToString());
        error.Should().BeOfType<InvalidOperationException>();
        error.Message.Should().Contain($"agent {agent}").And.Contain(proxy.Endpoint.ToString())
            .And.Contain("TLS handshake").And.Contain("client certificate (DockerOptions.ClientCertificateFile)")
            .And.Contain("cannot talk to the Docker engine", "the engine answered").And.NotContain("no Docker engine answers").And.NotContain("see inner exception");

        // socat's child logs why it refused after it has told the agent, so the line may come a moment later.
        await EventuallyAsync(() => Task.FromResult(proxy.Log.Any(l => l.Contains("peer did not return a certificate", StringComparison.Ordinal))),
            "the proxy logs that it refused the agent for want of a client certificate");
    }

    [DockerFact]
    public async Task An_engine_whose_certificate_the_CA_did_not_sign_is_not_trusted()
    {
        var agent = NewAgent("wrongca");
        var error = await StartFailsAsync(agent, d =>
        {
            d.ClientCertificateFile = proxy.ClientPemFile;
            d.ClientKeyFile = proxy.ClientKeyFile;
            d.CaCertificateFile = proxy.OtherCaFile;
        });

        Output.WriteLine(error.ToString());
        error.Should().BeOfType<InvalidOperationException>();
        error.Message.Should().Contain($"agent {agent}").And.Contain(proxy.Endpoint.ToString())
            .And.Contain("TLS handshake").And.Contain("does not chain to the CA CN=embedded-test-other-ca")
            .And.Contain("cannot talk to the Docker engine", "the engine answered").And.NotContain("no Docker engine answers");
    }

    private async Task RegistersAndRunsAsync(string hint, Action<DockerOptions> certificate)
    {
        var agent = NewAgent(hint);
        using var guard = new CancellationTokenSource(Guard);
        await using var cluster = await StartAsync(agent, certificate, guard.Token);

        // The attributes come from the engine, asked through the proxy: the same engine the tests' own client sees.
        var version = await Docker.Client.System.GetVersionAsync(guard.Token);
        var registered = (await cluster.GetStateAsync(guard.Token)).Agents.Single(a => a.AgentId == agent);
        registered.Attributes["docker_version"].Should().Be(version.Version);
        registered.Attributes["os"].Should().Be("linux");

        var result = await cluster.Jobs.RunAsync(Sh("echo over-tls; echo err >&2"), guard.Token).WaitAsync(guard.Token);
        result.State.Should().Be(TaskState.Finished, result.ToString());
        result.ExitCode.Should().Be(0);
        result.Stdout.Should().Be("over-tls\n");
        result.Stderr.Should().Be("err\n");
        proxy.Log.Should().Contain(l => l.Contains("SSL connection using", StringComparison.Ordinal), "the agent talked to the engine through the TLS proxy");
    }

    private async Task<Exception> StartFailsAsync(string agent, Action<DockerOptions> certificates)
    {
        using var guard = new CancellationTokenSource(Guard);
        var start = async () =>
        {
            await using var cluster = await StartAsync(agent, certificates, guard.Token);
        };
        return (await start.Should().ThrowAsync<Exception>()).Which;
    }

    private Task<MiniCluster> StartAsync(string agent, Action<DockerOptions> certificates, CancellationToken cancellationToken) =>
        MiniCluster.StartAsync(0, o => o.AddAgent(agent).UseDocker(d =>
        {
            d.Endpoint = proxy.Endpoint;
            d.CaCertificateFile = proxy.CaFile;
            certificates(d);
        }), loggerFactory: Loggers, cancellationToken: cancellationToken);
}
