using System.Diagnostics;

namespace Embedded.Orchestration.Lease;

/// <summary>Finds how to start the watchdog: the override, else the dotnet host running this process and the watchdog's dll.</summary>
internal static class WatchdogLauncher
{
    public const string AssemblyFileName = "Embedded.Watchdog.dll";

    // setsid(1) -f forks, so the watchdog is no descendant of the owner: a tool that kills the owner's
    // process tree (a test runner's hang timeout) does not take it along.
    private static readonly string? Setsid = OperatingSystem.IsWindows() ? null
        : new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    /// <summary>The start info, or why there is none.</summary>
    public static (ProcessStartInfo? Start, string? Problem) Build(OwnerIdentityInfo owner)
    {
        var (fileName, arguments, problem) = Resolve();
        if (fileName is null) return (null, problem);
        var start = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            // Not inherited: a reader of the owner's output must see EOF when the owner ends, not when the watchdog does.
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (Setsid is not null)
        {
            start.FileName = Setsid;
            start.ArgumentList.Add("-f");
            start.ArgumentList.Add(fileName);
        }
        else start.FileName = fileName;
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.ArgumentList.Add("--owner");
        start.ArgumentList.Add(owner.ToString());
        // A host run under dotnet-trace or dotnet-monitor has the runtime told to connect to their port, and often
        // to wait for them at startup: the watchdog would inherit that and wait forever, never reading its pipe.
        foreach (var variable in DiagnosticsVariables) start.Environment.Remove(variable);
        return (start, null);
    }

    /// <summary>The runtime's diagnostics settings that a watchdog must not take from its owner.</summary>
    internal static readonly string[] DiagnosticsVariables =
    [
        "DOTNET_DiagnosticPorts", "DOTNET_DefaultDiagnosticPortSuspend", "DOTNET_EnableEventPipe",
        "COMPlus_DiagnosticPorts", "COMPlus_DefaultDiagnosticPortSuspend", "COMPlus_EnableEventPipe",
    ];

    private static (string? FileName, IReadOnlyList<string> Arguments, string? Problem) Resolve()
    {
        if (WatchdogCommand.Override is { } custom) return (custom.FileName, custom.Arguments, null);
        var dll = FindAssembly();
        if (dll is null) return (null, [], $"{AssemblyFileName} is not next to Embedded.Orchestration.dll or in {AppContext.BaseDirectory}");
        var host = FindDotnetHost();
        if (host is null) return (null, [], "no dotnet host was found (Environment.ProcessPath, DOTNET_HOST_PATH, the runtime's directory); set WatchdogCommand.Override");
        return (host, [dll], null);
    }

    private static string? FindAssembly()
    {
        // In a single-file app Location is empty (IL3000): handled, the search falls back to AppContext.BaseDirectory.
#pragma warning disable IL3000
        var beside = typeof(WatchdogLauncher).Assembly.Location is { Length: > 0 } location ? Path.GetDirectoryName(location) : null;
#pragma warning restore IL3000
        foreach (var directory in new[] { beside, AppContext.BaseDirectory })
        {
            if (directory is null) continue;
            var candidate = Path.Combine(directory, AssemblyFileName);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>The dotnet muxer: this process when it is one, else the one that launched the tools, else the one above the shared runtime.</summary>
    internal static string? FindDotnetHost()
    {
        var name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } self && string.Equals(Path.GetFileName(self), name, StringComparison.OrdinalIgnoreCase)) return self;
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath)) return hostPath;

        // An apphost: the runtime is {root}/shared/Microsoft.NETCore.App/{version}/, the muxer is {root}/dotnet.
        // Empty in a single-file app (IL3000), which has no muxer to find: WatchdogCommand.Override is its way.
#pragma warning disable IL3000
        if (typeof(object).Assembly.Location is { Length: > 0 } coreLib)
#pragma warning restore IL3000
        {
            var root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(coreLib)!, "..", "..", ".."));
            var candidate = Path.Combine(root, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
