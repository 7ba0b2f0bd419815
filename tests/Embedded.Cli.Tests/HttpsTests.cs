using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Embedded.Cli.Tests;

/// <summary>
/// `embedded dev --listen https://… --certificate`, with a throwaway self-signed certificate: clients
/// reach it when told to trust it (`--ca-certificate`), and say in one line why not otherwise.
/// </summary>
public sealed class HttpsTests : IDisposable
{
    private static readonly Dictionary<string, string?> NoEnvironment = new()
    {
        ["EMBEDDED_PRINCIPAL"] = null, ["EMBEDDED_SECRET"] = null, ["EMBEDDED_TOKEN"] = null, ["EMBEDDED_CA_CERTIFICATE"] = null,
    };

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("embedded-https-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Dev_serves_https_with_a_pem_certificate_and_clients_that_trust_it_reach_it()
    {
        var (certificate, key, _) = await WriteSelfSignedAsync();
        var url = $"https://127.0.0.1:{LoopbackPort.Free()}";
        await using var dev = await DevCluster.StartOnAsync(url, "--agents", "1", "--no-docker", "--certificate", certificate, "--certificate-key", key);

        var (stateCode, state, stateErr) = await CliProcess.RunAsync(NoEnvironment, "state", "--master", url, "--ca-certificate", certificate);
        var (runCode, run, runErr) = await CliProcess.RunAsync(NoEnvironment, "run", "--master", url, "--ca-certificate", certificate, "--", "sh", "-c", "echo over-tls");
        var fromEnvironment = new Dictionary<string, string?>(NoEnvironment) { ["EMBEDDED_CA_CERTIFICATE"] = certificate };
        var (jobsCode, jobs, jobsErr) = await CliProcess.RunAsync(fromEnvironment, "jobs", "--master", url);
        var (untrustedCode, untrustedOut, untrusted) = await CliProcess.RunAsync(NoEnvironment, "state", "--master", url);

        stateCode.Should().Be(0, stateErr);
        state.Should().Contain("AGENTS").And.Contain("agent-1");
        runCode.Should().Be(0, run + runErr);
        run.Should().Contain(": TASK_FINISHED").And.Contain("over-tls");
        jobsCode.Should().Be(0, jobsErr);
        jobs.Should().Contain("TASK_FINISHED");
        untrustedCode.Should().Be(1, untrustedOut);
        untrusted.Should().NotContain("Unhandled exception").And.NotContain("   at ");
        untrusted.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle()
            .Which.Should().StartWith($"embedded: the master at {url}/ is not trusted: ").And.Contain("--ca-certificate FILE");
    }

    [Fact]
    public async Task Dev_serves_https_with_a_password_protected_pfx()
    {
        var (_, _, pfx) = await WriteSelfSignedAsync(password: "pfx-passw0rd");
        var password = Path.Combine(_directory.FullName, "pfx.password");
        await File.WriteAllTextAsync(password, "pfx-passw0rd\n");
        var port = LoopbackPort.Free();
        await using var dev = await DevCluster.StartOnAsync($"https://127.0.0.1:{port}", "--agents", "1", "--no-docker", "--certificate", pfx, "--certificate-password-file", password);

        // The certificate is the test's own: this handler checks that it is the one served, nothing looser.
        using var served = X509CertificateLoader.LoadPkcs12FromFile(pfx, "pfx-passw0rd");
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == served.Thumbprint };
        using var http = new HttpClient(handler);
        using var health = await http.GetAsync(new Uri($"https://127.0.0.1:{port}/health"));

        health.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_agent_joins_an_https_master_it_is_told_to_trust_and_refuses_one_it_is_not()
    {
        var (certificate, key, _) = await WriteSelfSignedAsync();
        var url = $"https://127.0.0.1:{LoopbackPort.Free()}";
        await using var dev = await DevCluster.StartOnAsync(url, "--agents", "1", "--no-docker", "--certificate", certificate, "--certificate-key", key);

        await using var agent = CliProcess.Start(NoEnvironment,
            "agent", "--master", url, "--name", "over-tls", "--resources", "cpus:1;mem:256", "--work-dir", Path.Combine(_directory.FullName, "over-tls"), "--ca-certificate", certificate);
        await agent.WaitForLineAsync(l => l.StartsWith($"Agent over-tls joined the master at {url}", StringComparison.Ordinal));
        var (code, stdout, stderr) = await CliProcess.RunAsync(NoEnvironment,
            "agent", "--master", url, "--name", "untrusting", "--work-dir", Path.Combine(_directory.FullName, "untrusting"));
        var (stateCode, state, stateErr) = await CliProcess.RunAsync(NoEnvironment, "state", "--master", url, "--ca-certificate", certificate);

        code.Should().Be(2, stdout + stderr);
        stderr.Should().NotContain("   at ");
        stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle()
            .Which.Should().StartWith("embedded agent: untrusting did not join the master: the master at ").And.Contain("is not trusted");
        stateCode.Should().Be(0, stateErr);
        state.Should().Contain("over-tls").And.NotContain("untrusting");
        agent.Signal(15);
        (await agent.WaitForExitAsync()).Should().Be(0, agent.Output);
    }

    /// <summary>A self-signed certificate for 127.0.0.1 and localhost: its PEM, its key's PEM, and a .pfx of both.</summary>
    private async Task<(string Certificate, string Key, string Pfx)> WriteSelfSignedAsync(string? password = null)
    {
        using var certificate = TestCertificates.SelfSigned("embedded-cli-test");
        using var key = certificate.GetECDsaPrivateKey()!;
        var paths = (Path.Combine(_directory.FullName, "cert.pem"), Path.Combine(_directory.FullName, "key.pem"), Path.Combine(_directory.FullName, "cert.pfx"));
        await File.WriteAllTextAsync(paths.Item1, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(paths.Item2, key.ExportPkcs8PrivateKeyPem());
        await File.WriteAllBytesAsync(paths.Item3, certificate.Export(X509ContentType.Pfx, password));
        return paths;
    }
}
