using System.Globalization;
using System.Text;

namespace Embedded.Orchestration.Docker.Tests.Support;

/// <summary>Processes as /proc shows them, for counting what is left without asking the library.</summary>
public static class Proc
{
    /// <summary>The start time of a live (not zombie) process, or null.</summary>
    public static long? StartTimeOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var rest = stat[(stat.LastIndexOf(')') + 2)..];
            if (rest[0] is 'Z' or 'X') return null;
            return long.Parse(rest.Split(' ')[19], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Live processes whose environment places them in a sandbox under one of <paramref name="workDirectories"/>.</summary>
    public static IEnumerable<int> InSandboxesOf(IReadOnlyCollection<string> workDirectories)
    {
        var prefixes = workDirectories.Select(w => "EMBEDDED_SANDBOX=" + w.TrimEnd('/') + "/").ToArray();
        foreach (var (pid, dir) in All())
        {
            string environ;
            try
            {
                environ = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(dir, "environ")));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (environ.Split('\0').Any(v => prefixes.Any(p => v.StartsWith(p, StringComparison.Ordinal))) && StartTimeOf(pid) is not null) yield return pid;
        }
    }

    /// <summary>Live Embedded.Watchdog processes started for owner <paramref name="ownerPid"/>.</summary>
    public static IReadOnlyList<int> WatchdogsOf(int ownerPid)
    {
        var found = new List<int>();
        foreach (var (pid, dir) in All())
        {
            string[] argv;
            try
            {
                argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            var owner = Array.IndexOf(argv, "--owner");
            if (argv.Any(a => a.EndsWith("Embedded.Watchdog.dll", StringComparison.Ordinal)) && owner >= 0 && owner + 1 < argv.Length
                && argv[owner + 1].StartsWith($"{ownerPid}:", StringComparison.Ordinal) && StartTimeOf(pid) is not null)
                found.Add(pid);
        }
        return found;
    }

    private static IEnumerable<(int Pid, string Dir)> All()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid != Environment.ProcessId)
                yield return (pid, dir);
    }
}
