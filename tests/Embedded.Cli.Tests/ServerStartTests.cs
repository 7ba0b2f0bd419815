using System.Net;
using System.Net.Sockets;

namespace Embedded.Cli.Tests;

/// <summary>
/// `embedded dev` as a server: what stops it from starting is one line and exit 2 (never a stack trace),
/// `--insecure` serves without authentication, and `--tokens` secures it with bearer tokens.
/// </summary>
public sealed class ServerStartTests : IDisposable
{
    /// <summary>No credentials from the test's own environment.</summary>
    private static readonly Dictionary<string, string?> NoEnvironment = new()
    {
        ["EMBEDDED_PRINCIPAL"] = null, ["EMBEDDED_SECRET"] = null, ["EMBEDDED_TOKEN"] = null, ["EMBEDDED_CA_CERTIFICATE"] = null,
    };

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("embedded-server-start-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Dev_on_a_port_in_use_is_one_line_and_exit_2()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var (code, stdout, stderr) = await CliProcess.RunAsync("dev", "--listen", $"http://127.0.0.1:{port}", "--agents", "1", "--no-docker");

        code.Should().Be(2, stdout + stderr);
        OneLine(stderr).Should().StartWith($"embedded dev: cannot serve http://127.0.0.1:{port}/: ").And.Contain("address already in use");
        stdout.Should().NotContain("Embedded cluster at").And.NotContain("Exception").And.NotContain("   at ", "nor is the failure logged with its stack");
    }

    [Fact]
    public async Task Master_on_a_port_in_use_is_one_line_and_exit_2()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var (code, stdout, stderr) = await CliProcess.RunAsync("master", "--listen", $"http://127.0.0.1:{port}");

        code.Should().Be(2, stdout + stderr);
        OneLine(stderr).Should().StartWith($"embedded master: cannot serve http://127.0.0.1:{port}/: ");
        stdout.Should().NotContain("Exception");
    }

    [Fact]
    public async Task Missing_or_bad_credentials_tokens_and_certificate_files_are_one_line_and_exit_2()
    {
        var missing = Path.Combine(_directory.FullName, "missing");
        var badTokens = Path.Combine(_directory.FullName, "tokens");
        await File.WriteAllTextAsync(badTokens, "ops\n");
        var url = $"http://127.0.0.1:{LoopbackPort.Free()}";
        var https = $"https://127.0.0.1:{LoopbackPort.Free()}";

        var credentials = await CliProcess.RunAsync("dev", "--listen", url, "--agents", "1", "--no-docker", "--credentials", missing);
        var tokens = await CliProcess.RunAsync("dev", "--listen", url, "--agents", "1", "--no-docker", "--tokens", badTokens);
        var certificate = await CliProcess.RunAsync("dev", "--listen", https, "--agents", "1", "--no-docker", "--certificate", missing);
        var noCertificate = await CliProcess.RunAsync("master", "--listen", https);

        foreach (var (code, stdout, stderr) in new[] { credentials, tokens, certificate, noCertificate })
        {
            code.Should().Be(2, stdout + stderr);
            OneLine(stderr).Should().StartWith("embedded ");
            stdout.Should().NotContain("Embedded cluster at").And.NotContain("Embedded master at").And.NotContain("Exception");
        }
        credentials.Stderr.Should().Contain(missing);
        tokens.Stderr.Trim().Should().Be($"embedded dev: --tokens {badTokens}: line 1: expected 'principal token', found 1 field(s)");
        certificate.Stderr.Should().Contain($"--certificate {missing}: cannot load it");
        noCertificate.Stderr.Trim().Should().Be($"embedded master: --listen {https}/ is https, which needs --certificate FILE (PEM with --certificate-key, or a .pfx)");
    }

    [Fact]
    public async Task Dev_with_insecure_on_a_non_loopback_address_warns_in_one_line_and_serves_anonymous_calls()
    {
        var port = LoopbackPort.Free();
        await using var dev = await DevCluster.StartOnAsync($"http://0.0.0.0:{port}", "--agents", "1", "--no-docker", "--insecure");

        var (code, stdout, stderr) = await CliProcess.RunAsync(NoEnvironment, "state", "--master", $"http://127.0.0.1:{port}");

        dev.Stderr.Trim().Should().Be($"embedded dev: warning: serving http://0.0.0.0:{port}/ without authentication (--insecure): anyone who reaches it can run commands here");
        code.Should().Be(0, stderr);
        stdout.Should().Contain("agent-1");
    }

    [Fact]
    public async Task Dev_with_tokens_on_a_non_loopback_address_serves_the_right_token_and_refuses_a_wrong_one_in_one_line()
    {
        var tokens = await WriteAsync("tokens", "# principal token\nops ops-t0ken\nalice alice-t0ken\n");
        var ops = await WriteAsync("ops.token", "ops-t0ken\n");
        var alice = await WriteAsync("alice.token", "alice-t0ken\n");
        var wrong = await WriteAsync("wrong.token", "guess\n");
        var port = LoopbackPort.Free();
        var master = $"http://127.0.0.1:{port}";
        await using var dev = await DevCluster.StartOnAsync($"http://0.0.0.0:{port}", "--agents", "1", "--no-docker", "--tokens", tokens, "--operator", "ops");

        var (opsCode, opsOut, opsErr) = await CliProcess.RunAsync(NoEnvironment, "state", "--master", master, "--token-file", ops);
        var (runCode, runOut, runErr) = await CliProcess.RunAsync(NoEnvironment, "run", "--master", master, "--token-file", alice, "--", "true");
        var (wrongCode, _, wrongErr) = await CliProcess.RunAsync(NoEnvironment, "jobs", "--master", master, "--token-file", wrong);
        var (aliceCode, _, aliceErr) = await CliProcess.RunAsync(NoEnvironment, "state", "--master", master, "--token-file", alice);
        var (anonymousCode, _, anonymousErr) = await CliProcess.RunAsync(NoEnvironment, "state", "--master", master);

        dev.Stderr.Should().NotContain("without authentication");
        opsCode.Should().Be(0, opsErr);
        opsOut.Should().Contain("agent-1");
        runCode.Should().Be(0, runOut + runErr);
        runOut.Should().Contain(": TASK_FINISHED");
        wrongCode.Should().Be(2);
        OneLine(wrongErr).Should().Be($"embedded: the master at {master}/ refused the credentials of the bearer token (Invalid credentials): check --token-file");
        aliceCode.Should().Be(2, "alice is no operator");
        OneLine(aliceErr).Should().Contain("refused the bearer token").And.Contain("not authorized for operator calls");
        anonymousCode.Should().Be(2);
        OneLine(anonymousErr).Should().Contain("requires authentication");
    }

    [Fact]
    public async Task Help_names_the_server_and_trust_options()
    {
        foreach (var (command, options) in new[]
                 {
                     ("dev", new[] { "--tokens <FILE>", "--certificate <FILE>", "--certificate-key <FILE>", "--certificate-password-file <FILE>", "--insecure" }),
                     ("master", ["--tokens <FILE>", "--certificate <FILE>", "--certificate-key <FILE>", "--certificate-password-file <FILE>"]),
                     ("agent", ["--token-file <FILE>", "--ca-certificate <FILE>"]),
                     ("state", ["--token-file <FILE>", "--ca-certificate <FILE>"]),
                     ("run", ["--ca-certificate <FILE>"]),
                 })
        {
            var (code, stdout, _) = await CliProcess.RunAsync(command, "--help");
            code.Should().Be(0);
            foreach (var option in options) stdout.Should().Contain(option, $"embedded {command} --help");
        }
    }

    /// <summary>The one line <paramref name="stderr"/> holds (fails when there are more, or a stack trace).</summary>
    private static string OneLine(string stderr)
    {
        stderr.Should().NotContain("Unhandled exception").And.NotContain("   at ");
        return stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Should().ContainSingle().Subject;
    }

    private async Task<string> WriteAsync(string name, string text)
    {
        var path = Path.Combine(_directory.FullName, name);
        await File.WriteAllTextAsync(path, text);
        return path;
    }
}
