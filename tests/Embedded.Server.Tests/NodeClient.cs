using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

/// <summary>
/// Where the npm client lives (node/ next to this project, installed by scripts/setup.sh) and why it
/// cannot run here. Under CI=true a missing node or package is a failure, not a skip.
/// </summary>
internal static class NodeClient
{
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? Node => Executables.Find("node") ?? Executables.Find("nodejs");

    /// <summary>tests/Embedded.Server.Tests/node, found from the test binaries upwards.</summary>
    public static string? Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "Embedded.Server.Tests", "node");
                if (File.Exists(Path.Combine(candidate, "scheduler.js"))) return candidate;
            }
            return null;
        }
    }

    public static string? WhyNot =>
        Node is null ? "node is not on PATH"
        : Folder is not { } folder ? "tests/Embedded.Server.Tests/node/scheduler.js was not found"
        : !File.Exists(Path.Combine(folder, "node_modules", "mesos-framework", "package.json")) ? "mesos-framework is not installed in tests/Embedded.Server.Tests/node"
        : null;

    /// <summary>
    /// Runs node/scheduler.js against <paramref name="master"/> to its end (within a 90 s guard, killed on the way
    /// out whatever happens): its exit code and everything it printed, which also goes to the test's output.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunSchedulerAsync(string master, ITestOutputHelper output)
    {
        if (WhyNot is { } why) throw new InvalidOperationException($"CI=true but {why}; run scripts/setup.sh");
        var start = new ProcessStartInfo(Node!)
        {
            WorkingDirectory = Folder!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("scheduler.js");
        start.ArgumentList.Add(master);
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
            lock (lines) return (node.ExitCode, lines.ToString());
        }
        finally
        {
            if (!node.HasExited) node.Kill(entireProcessTree: true);
        }
    }
}

/// <summary>A test that runs the npm client: skipped locally without it, run (and failed) under CI=true.</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        if (!NodeClient.IsCi && NodeClient.WhyNot is { } why)
            Skip = $"{why}. Run scripts/setup.sh to install node, npm and the package (with CI=true this test fails instead of skipping).";
    }
}
