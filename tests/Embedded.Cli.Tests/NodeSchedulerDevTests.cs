using System.Diagnostics;
using System.Text;
using Embedded.Server.Tests;
using Xunit.Abstractions;

namespace Embedded.Cli.Tests;

/// <summary>
/// The npm package mesos-framework's scheduler (tests/Embedded.Server.Tests/node/scheduler.js, as
/// NodeSchedulerTests runs it against an in-test server) against the real `embedded dev` binary.
/// </summary>
public sealed class NodeSchedulerDevTests(ITestOutputHelper output)
{
    [NodeFact]
    public async Task The_npm_mesos_framework_scheduler_runs_a_command_task_to_FINISHED_on_embedded_dev()
    {
        if (NodeClient.WhyNot is { } why) throw new InvalidOperationException($"CI=true but {why}; run scripts/setup.sh");
        var (dev, url) = await DevCluster.StartAsync("--no-docker");
        await using var _ = dev;

        var start = new ProcessStartInfo(NodeClient.Node!)
        {
            WorkingDirectory = NodeClient.Folder!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("scheduler.js");
        start.ArgumentList.Add(url);
        start.Environment["SCHEDULER_TIMEOUT_SECONDS"] = "60";
        var lines = new StringBuilder();
        using var node = new Process { StartInfo = start };
        void Collect(object _, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            lock (lines) lines.AppendLine(e.Data);
            try { output.WriteLine($"node: {e.Data}"); } catch (InvalidOperationException) { /* the test has ended */ }
        }
        node.OutputDataReceived += Collect;
        node.ErrorDataReceived += Collect;
        try
        {
            node.Start();
            node.BeginOutputReadLine();
            node.BeginErrorReadLine();
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await node.WaitForExitAsync(guard.Token);

            string seen;
            lock (lines) seen = lines.ToString();
            node.ExitCode.Should().Be(0, seen);
            seen.Should().Contain("STATUS TASK_RUNNING").And.Contain("STATUS TASK_FINISHED").And.Contain("DONE");

            var (code, jobs, stderr) = await CliProcess.RunAsync("jobs", "--master", url);
            code.Should().Be(0, stderr);
            jobs.Split('\n').Should().ContainSingle(l => l.StartsWith("node-mesos-framework.hello-1.", StringComparison.Ordinal))
                .Which.Should().Contain("TASK_FINISHED");
        }
        finally
        {
            if (!node.HasExited) node.Kill(entireProcessTree: true);
        }
    }
}
