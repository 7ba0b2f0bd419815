namespace Embedded.Cli.Tests;

/// <summary>`state`, `jobs`, `run` and `kill` against a master that requires authentication.</summary>
public sealed class CredentialsTests(SecuredDevCluster cluster) : IClassFixture<SecuredDevCluster>
{
    /// <summary>No credentials from the test's own environment.</summary>
    private static readonly Dictionary<string, string?> NoEnvironment = new()
    {
        ["EMBEDDED_PRINCIPAL"] = null, ["EMBEDDED_SECRET"] = null, ["EMBEDDED_TOKEN"] = null,
    };

    [Fact]
    public async Task State_with_an_operator_principal_and_secret_file_prints_the_cluster()
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync(NoEnvironment, ["state", .. cluster.AsOps]);

        code.Should().Be(0, stderr);
        stdout.Should().Contain("AGENTS").And.Contain("agent-1").And.Contain("TASKS");
    }

    [Fact]
    public async Task State_without_credentials_is_one_line_saying_what_to_pass_and_exit_2()
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync(NoEnvironment, "state", "--master", cluster.Url);

        code.Should().Be(2, stdout);
        stderr.Trim().Should().Be($"embedded: the master at {cluster.Url}/ requires authentication: pass --principal and --secret-file, or --token-file " +
            "(or set EMBEDDED_PRINCIPAL and EMBEDDED_SECRET, or EMBEDDED_TOKEN)");
    }

    [Fact]
    public async Task A_wrong_secret_or_a_principal_that_is_not_an_operator_is_refused_with_exit_2()
    {
        var (wrongCode, _, wrong) = await CliProcess.RunAsync(NoEnvironment, "jobs", "--master", cluster.Url, "--principal", "ops", "--secret-file", cluster.WrongSecretFile);
        var (aliceCode, _, alice) = await CliProcess.RunAsync(NoEnvironment, "state", "--master", cluster.Url, "--principal", "alice", "--secret-file", cluster.AliceSecretFile);

        (wrongCode, aliceCode).Should().Be((2, 2));
        wrong.Should().Contain("refused the credentials of principal 'ops'").And.Contain("check --principal and --secret-file").And.NotContain("   at ");
        alice.Should().Contain("refused principal 'alice'").And.Contain("not authorized for operator calls").And.NotContain("   at ");
    }

    [Fact]
    public async Task Credentials_come_from_the_environment_when_no_option_gives_them()
    {
        var environment = new Dictionary<string, string?>(NoEnvironment) { ["EMBEDDED_PRINCIPAL"] = "ops", ["EMBEDDED_SECRET"] = "ops-s3cret" };

        var (code, stdout, stderr) = await CliProcess.RunAsync(environment, "jobs", "--master", cluster.Url);

        code.Should().Be(0, stderr);
        stdout.Should().Contain("task");
    }

    [Fact]
    public async Task A_principal_without_a_secret_is_refused_before_any_call()
    {
        var (code, _, stderr) = await CliProcess.RunAsync(NoEnvironment, "state", "--master", cluster.Url, "--principal", "ops");

        code.Should().Be(1);
        stderr.Trim().Should().Be("embedded: --principal ops needs --secret-file FILE (or EMBEDDED_SECRET); a secret is never given on the command line");
    }

    [Fact]
    public async Task Run_and_kill_authenticate_and_the_killed_run_exits_non_zero()
    {
        await using var run = CliProcess.Start(NoEnvironment, ["run", .. cluster.AsOps, "--", "sleep", "300"]);
        var running = await run.WaitForLineAsync(l => l.Contains(": TASK_RUNNING", StringComparison.Ordinal));
        var taskId = running.Split(' ', ':').First(w => w.StartsWith("run-", StringComparison.Ordinal));

        var (anonymousCode, _, anonymous) = await CliProcess.RunAsync(NoEnvironment, "kill", "--master", cluster.Url, taskId);
        var (code, stdout, stderr) = await CliProcess.RunAsync(NoEnvironment, ["kill", taskId, "--grace", "0", .. cluster.AsOps]);

        anonymousCode.Should().Be(2);
        anonymous.Should().Contain("requires authentication");
        code.Should().Be(0, stderr);
        stdout.Trim().Should().Be($"killed {taskId}");
        (await run.WaitForExitAsync()).Should().NotBe(0, run.Output);
        run.Stdout.Should().Contain($"task {taskId}: TASK_KILLED: killed by an operator");
    }
}
