using System.Text;

namespace Embedded.Cli.Tests;

/// <summary>Processes found through /proc, behind the binary's back.</summary>
internal static class ProcTable
{
    /// <summary>Live processes whose environment places them in a sandbox of <paramref name="taskId"/> (EMBEDDED_SANDBOX=…/tasks/{task}/…).</summary>
    public static IReadOnlyList<int> InSandboxOf(string taskId)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string environment;
            try
            {
                environment = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(dir, "environ")));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // gone meanwhile, or not ours to read
            }
            if (environment.Split('\0').Any(v => v.StartsWith("EMBEDDED_SANDBOX=", StringComparison.Ordinal) && v.Contains($"/tasks/{taskId}/", StringComparison.Ordinal)))
                found.Add(pid);
        }
        return found;
    }

    public static string CommandLine(int pid)
    {
        try
        {
            return Encoding.UTF8.GetString(File.ReadAllBytes($"/proc/{pid}/cmdline")).Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }
}
