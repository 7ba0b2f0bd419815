namespace Embedded.Cli.Tests;

/// <summary>`embedded run`, `state` and `jobs` against one `embedded dev`, all as child processes.</summary>
public sealed class RunAndStateTests(DevCluster cluster) : IClassFixture<DevCluster>
{
    [Fact]
    public async Task Run_shows_the_state_changes_and_output_and_exits_with_the_task_exit_code()
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync("run", "--master", cluster.Url, "--", "sh", "-c", "echo hi; exit 3");

        code.Should().Be(3, $"{stdout}{stderr}");
        stdout.Should().Contain(": TASK_RUNNING").And.Contain(": TASK_FAILED: exited with code 3");
        stdout.IndexOf(": TASK_RUNNING", StringComparison.Ordinal).Should().BeLessThan(stdout.IndexOf(": TASK_FAILED", StringComparison.Ordinal));
        stdout.Split('\n').Select(l => l.Trim()).Should().Contain("hi", "the task's output is streamed");
    }

    [Fact]
    public async Task Run_of_true_finishes_and_exits_0()
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync("run", "--master", cluster.Url, "--", "true");

        code.Should().Be(0, $"{stdout}{stderr}");
        stdout.Should().Contain(": TASK_FINISHED");
    }

    [Fact]
    public async Task Run_waits_for_an_offer_that_fits_its_constraint_and_ctrl_c_ends_it_with_130()
    {
        await using var run = CliProcess.Start("run", "--master", cluster.Url, "--constraint", "rack=nowhere", "--", "true");
        await run.WaitForLineAsync(l => l.Contains("waiting for an offer with cpus 0.1, mem 32 MB, rack=nowhere", StringComparison.Ordinal));

        run.Signal(2);

        (await run.WaitForExitAsync()).Should().Be(130, run.Output);
        run.Stdout.Should().NotContain("launching on agent");
    }

    [Fact]
    public async Task Run_refuses_bad_arguments_with_a_message()
    {
        var (cpusCode, _, cpusError) = await CliProcess.RunAsync("run", "--master", cluster.Url, "--cpus", "0", "--", "true");
        var (constraintCode, _, constraintError) = await CliProcess.RunAsync("run", "--master", cluster.Url, "--constraint", "norack", "--", "true");
        var (emptyCode, _, emptyError) = await CliProcess.RunAsync("run", "--master", cluster.Url);

        (cpusCode, constraintCode, emptyCode).Should().Be((1, 1, 1));
        cpusError.Should().Contain("--cpus must be above 0");
        constraintError.Should().Contain("--constraint norack: expected attr=value");
        emptyError.Should().Contain("give a command after `--`");
    }

    [Fact]
    public async Task Run_with_cpus_and_mem_launches_its_task_with_those_resources()
    {
        await using var run = CliProcess.Start("run", "--master", cluster.Url, "--cpus", "0.5", "--mem", "64", "--name", "sized", "--", "sleep", "300");
        var running = await run.WaitForLineAsync(l => l.Contains(": TASK_RUNNING", StringComparison.Ordinal));
        var taskId = running.Split(' ', ':').First(w => w.StartsWith("run-", StringComparison.Ordinal));

        var (code, stdout, stderr) = await CliProcess.RunAsync("jobs", "--master", cluster.Url);
        run.Signal(2);

        code.Should().Be(0, stderr);
        // task, name, framework, agent, state, cpus, mem: what the master holds for the running task.
        var row = stdout.Split('\n').Single(l => l.StartsWith(taskId, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        row[1].Should().Be("sized");
        row[4..7].Should().Equal("TASK_RUNNING", "0.5", "64");
        (await run.WaitForExitAsync()).Should().Be(130, run.Output);
    }

    [Fact]
    public async Task State_lists_the_agents_frameworks_and_tasks()
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync("state", "--master", cluster.Url);

        code.Should().Be(0, stderr);
        stdout.Should().Contain("AGENTS").And.Contain("FRAMEWORKS").And.Contain("TASKS");
        stdout.Split('\n').Should().Contain(l => l.StartsWith("agent-1 ", StringComparison.Ordinal) && l.Contains("yes", StringComparison.Ordinal))
            .And.Contain(l => l.StartsWith("agent-2 ", StringComparison.Ordinal));
        stdout.Split('\n').Single(l => l.StartsWith("agent-1 ", StringComparison.Ordinal)).Should().Contain(" command", "the runs column says what the agent runs")
            .And.NotContain("embedded_task_kinds", "the attribute that carries them is not shown as an attribute");
        stdout.Should().Contain("embedded-jobs", "the dev cluster's job scheduler is a framework");
    }

    [Fact]
    public async Task Jobs_lists_a_task_that_ran_with_its_state()
    {
        var (runCode, runOut, _) = await CliProcess.RunAsync("run", "--master", cluster.Url, "--name", "listed", "--", "sh", "-c", "exit 0");
        runCode.Should().Be(0, runOut);
        var taskId = runOut.Split(' ', ':', '\n').First(w => w.StartsWith("run-", StringComparison.Ordinal));

        var (code, stdout, stderr) = await CliProcess.RunAsync("jobs", "--master", cluster.Url);

        code.Should().Be(0, stderr);
        stdout.Split('\n').Should().Contain(l => l.StartsWith(taskId, StringComparison.Ordinal) && l.Contains("listed", StringComparison.Ordinal) && l.Contains("TASK_FINISHED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Kill_of_a_running_run_task_ends_the_run_non_zero_with_the_killed_state()
    {
        await using var run = CliProcess.Start("run", "--master", cluster.Url, "--", "sleep", "300");
        var running = await run.WaitForLineAsync(l => l.Contains(": TASK_RUNNING", StringComparison.Ordinal));
        var taskId = running.Split(' ', ':').First(w => w.StartsWith("run-", StringComparison.Ordinal));

        var (code, stdout, stderr) = await CliProcess.RunAsync("kill", "--master", cluster.Url, taskId, "--grace", "0");

        code.Should().Be(0, $"{stdout}{stderr}");
        stdout.Trim().Should().Be($"killed {taskId}");
        (await run.WaitForExitAsync()).Should().NotBe(0, run.Output);
        run.Stdout.Should().Contain($"task {taskId}: TASK_KILLED: killed by an operator");
    }

    [Fact]
    public async Task Kill_of_an_unknown_task_says_so_and_fails()
    {
        var (code, _, stderr) = await CliProcess.RunAsync("kill", "--master", cluster.Url, "no-such-task");

        code.Should().Be(1);
        stderr.Trim().Should().Be("embedded kill: no active task no-such-task");
    }

    [Fact]
    public async Task A_master_that_does_not_answer_is_one_line_and_exit_1()
    {
        var (code, _, stderr) = await CliProcess.RunAsync("state", "--master", $"http://127.0.0.1:{LoopbackPort.Free()}");

        code.Should().Be(1);
        stderr.Should().Contain("no master answers at").And.NotContain("   at ");
    }
}
