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
