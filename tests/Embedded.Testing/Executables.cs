namespace Embedded.Testing;

/// <summary>Programs a test needs from the machine (installed by scripts/setup.sh).</summary>
public static class Executables
{
    /// <summary>The full path of <paramref name="program"/> on PATH, or null.</summary>
    public static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
}
