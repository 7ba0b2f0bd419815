namespace Embedded.Orchestration.Lease;

/// <summary>
/// How this process starts its owner-lease watchdog. By default: the running dotnet host with
/// <c>Embedded.Watchdog.dll</c>, which the build copies next to Embedded.Orchestration.dll. A host
/// that has no dotnet beside it (a self-contained or single-file binary) sets <see cref="Override"/>,
/// e.g. to itself with a <c>watchdog</c> subcommand that calls <c>Embedded.Watchdog.WatchdogProgram.RunAsync</c>;
/// <c>--owner {pid}:{start time}</c> is appended either way.
/// </summary>
public sealed record WatchdogCommand(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>Set before the first agent starts; later agents share the watchdog that one started.</summary>
    public static WatchdogCommand? Override { get; set; }
}
