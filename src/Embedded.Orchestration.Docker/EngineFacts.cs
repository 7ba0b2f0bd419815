namespace Embedded.Orchestration.Docker;

/// <summary>What the executor learned from the engine's /info and /version at start.</summary>
internal sealed record EngineFacts(string Os, string Arch, string Version, long Cpus, long MemoryBytes)
{
    public bool IsWindows => Os == "windows";

    /// <summary>The network a container joins when its spec names none: Docker's default on each OS.</summary>
    public string DefaultNetwork => IsWindows ? "nat" : "bridge";

    /// <summary>Docker reports the kernel's architecture names; the agent uses .NET's (x64, arm64).</summary>
    public static string NormalizeArch(string? architecture) => (architecture ?? "").ToLowerInvariant() switch
    {
        "x86_64" or "amd64" or "x64" => "x64",
        "aarch64" or "arm64" or "armv8" => "arm64",
        "i386" or "i686" or "x86" or "386" => "x86",
        "armv7l" or "armv6l" or "arm" => "arm",
        "" => "unknown",
        var other => other,
    };

    public static string NormalizeOs(string? os) => (os ?? "").ToLowerInvariant() switch
    {
        "" => "linux",
        var other => other,
    };
}
