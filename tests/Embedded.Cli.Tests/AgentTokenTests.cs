namespace Embedded.Cli.Tests;

/// <summary>`embedded agent --token-file`: an agent presents a bearer token of the master's `--tokens` instead of a principal and secret.</summary>
public sealed class AgentTokenTests : IDisposable
{
    private static readonly Dictionary<string, string?> NoEnvironment = new()
    {
        ["EMBEDDED_PRINCIPAL"] = null, ["EMBEDDED_SECRET"] = null, ["EMBEDDED_TOKEN"] = null, ["EMBEDDED_CA_CERTIFICATE"] = null,
    };

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("embedded-agent-token-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task An_agent_with_a_master_token_joins_and_one_with_a_wrong_token_is_refused_with_exit_2()
    {
        var tokens = await WriteAsync("tokens", "agents agents-t0ken\nops ops-t0ken\n");
        var good = await WriteAsync("good.token", "agents-t0ken\n");
        var wrong = await WriteAsync("wrong.token", "guess\n");
        var ops = await WriteAsync("ops.token", "ops-t0ken\n");
        var url = $"http://127.0.0.1:{LoopbackPort.Free()}";
        await using var dev = await DevCluster.StartOnAsync(url, "--agents", "1", "--no-docker", "--tokens", tokens, "--operator", "ops", "--agent-principal", "agents");

        await using var agent = CliProcess.Start(NoEnvironment,
            "agent", "--master", url, "--name", "by-token", "--resources", "cpus:1;mem:256", "--work-dir", Path.Combine(_directory.FullName, "by-token"), "--token-file", good);
        await agent.WaitForLineAsync(l => l.StartsWith($"Agent by-token joined the master at {url}", StringComparison.Ordinal));
        var (code, stdout, stderr) = await CliProcess.RunAsync(NoEnvironment,
            "agent", "--master", url, "--name", "intruder", "--work-dir", Path.Combine(_directory.FullName, "intruder"), "--token-file", wrong);
        var (stateCode, state, stateErr) = await CliProcess.RunAsync(NoEnvironment, "state", "--master", url, "--token-file", ops);

        code.Should().Be(2, stdout + stderr);
        stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle()
            .Which.Should().StartWith("embedded agent: intruder did not join the master: the master at ").And.Contain("did not accept this agent's credentials (401)");
        stdout.Should().NotContain("joined the master");
        stateCode.Should().Be(0, stateErr);
        state.Should().Contain("by-token").And.NotContain("intruder");

        agent.Signal(15);
        (await agent.WaitForExitAsync()).Should().Be(0, agent.Output);
    }

    [Fact]
    public async Task An_agent_given_both_a_credential_and_a_token_file_or_a_missing_token_file_says_so_before_connecting()
    {
        var credential = await WriteAsync("credential", "agents s3cret\n");
        var token = await WriteAsync("token", "t0ken\n");

        var (code, _, stderr) = await CliProcess.RunAsync(NoEnvironment,
            "agent", "--master", $"http://127.0.0.1:{LoopbackPort.Free()}", "--name", "both", "--credential", credential, "--token-file", token);

        var missing = Path.Combine(_directory.FullName, "missing.token");
        var (missingCode, _, missingErr) = await CliProcess.RunAsync(NoEnvironment,
            "agent", "--master", $"http://127.0.0.1:{LoopbackPort.Free()}", "--name", "none", "--token-file", missing);

        code.Should().Be(2);
        stderr.Trim().Should().Be("embedded agent: pass either --credential (HTTP Basic) or --token-file (bearer), not both");
        missingCode.Should().Be(2);
        missingErr.Trim().Should().StartWith($"embedded agent: --token-file {missing}: cannot read it (");
    }

    private async Task<string> WriteAsync(string name, string text)
    {
        var path = Path.Combine(_directory.FullName, name);
        await File.WriteAllTextAsync(path, text);
        return path;
    }
}
