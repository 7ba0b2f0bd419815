using System.Diagnostics;
using System.Text;
using Embedded.Orchestration.Model;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

/// <summary>
/// A Mesos client nobody here wrote: the npm package mesos-framework 0.5.3 subscribes, launches a
/// command task on an offer and acknowledges its updates over our API, as it would against Mesos.
/// </summary>
public sealed class NodeSchedulerTests(ITestOutputHelper output)
{
    [NodeFact]
    public async Task The_npm_mesos_framework_scheduler_runs_a_command_task_to_FINISHED()
    {
        if (NodeClient.WhyNot is { } why) throw new InvalidOperationException($"CI=true but {why}; run scripts/setup.sh");
        await using var server = await ApiServer.StartAsync(output);

        var start = new ProcessStartInfo(NodeClient.Node!)
        {
            WorkingDirectory = NodeClient.Folder!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("scheduler.js");
        start.ArgumentList.Add(server.Address.ToString());
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

            var state = await server.Cluster.Client.GetStateAsync();
            state.Tasks.Concat(state.CompletedTasks).Should().ContainSingle(t => t.TaskId.StartsWith("node-mesos-framework.hello-1.", StringComparison.Ordinal))
                .Which.State.Should().Be(TaskState.Finished);
        }
        finally
        {
            if (!node.HasExited) node.Kill(entireProcessTree: true);
        }
    }
}
