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

    /// <summary>
    /// Live processes a cluster under <paramref name="root"/> left: tasks whose sandbox is under it, and the
    /// owner-lease watchdogs of the agent processes <paramref name="owners"/> (their command line says `--owner PID:…`).
    /// </summary>
    public static IReadOnlyList<int> LeftBy(string root, IReadOnlyCollection<int> owners)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            var arguments = CommandLine(pid).Split(' ');
            var owner = Array.IndexOf(arguments, "--owner") is var at and >= 0 && at + 1 < arguments.Length ? arguments[at + 1].Split(':')[0] : null;
            if (owner is not null && owners.Any(o => o.ToString(System.Globalization.CultureInfo.InvariantCulture) == owner)) found.Add(pid);
            else if (Environment(pid).Any(v => v.StartsWith("EMBEDDED_SANDBOX=" + root, StringComparison.Ordinal))) found.Add(pid);
        }
        return found;
    }

    private static string[] Environment(int pid)
    {
        try
        {
            return Encoding.UTF8.GetString(File.ReadAllBytes($"/proc/{pid}/environ")).Split('\0');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return []; // gone meanwhile, or not ours to read
        }
    }

    public static string CommandLine(int pid)
    {
        try
        {
            return Encoding.UTF8.GetString(File.ReadAllBytes($"/proc/{pid}/cmdline")).Replace('\0', ' ').Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
