using System.Globalization;

namespace Embedded.Watchdog;

/// <summary>
/// One line the owner sends, fields separated by tabs (paths may hold spaces, never tabs or newlines):
/// <code>
/// watch   {work dir} {lease id} {recovery timeout, seconds} {temporary: 0|1}
/// engine  {work dir} {docker endpoint: unix://…, npipe://…, tcp://…}
/// release {work dir}
/// </code>
/// </summary>
internal abstract record WatchCommand(string WorkDirectory)
{
    public static bool TryParse(string line, out WatchCommand? command, out string error)
    {
        command = null;
        error = "";
        var fields = line.TrimEnd('\r').Split('\t');
        switch (fields[0])
        {
            case "watch" when fields.Length == 5:
                if (!IsWorkDirectory(fields[1], out error)) return false;
                if (fields[2].Length == 0 || fields[2].Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-'))
                {
                    error = $"lease id '{fields[2]}' must be letters, digits and dashes";
                    return false;
                }
                if (!double.TryParse(fields[3], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) || double.IsInfinity(seconds))
                {
                    error = $"recovery timeout '{fields[3]}' must be a non-negative number of seconds";
                    return false;
                }
                if (fields[4] is not ("0" or "1"))
                {
                    error = $"temporary '{fields[4]}' must be 0 or 1";
                    return false;
                }
                command = new Watch(fields[1], fields[2], TimeSpan.FromSeconds(seconds), fields[4] == "1");
                return true;
            case "engine" when fields.Length == 3:
                if (!IsWorkDirectory(fields[1], out error)) return false;
                if (!Uri.TryCreate(fields[2], UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("unix" or "npipe" or "tcp" or "http"))
                {
                    error = $"engine '{fields[2]}' must be a unix://, npipe:// or tcp:// endpoint";
                    return false;
                }
                command = new Engine(fields[1], endpoint);
                return true;
            case "release" when fields.Length == 2:
                if (!IsWorkDirectory(fields[1], out error)) return false;
                command = new Release(fields[1]);
                return true;
            default:
                error = $"not a command: '{line}'";
                return false;
        }
    }

    private static bool IsWorkDirectory(string path, out string error)
    {
        error = Path.IsPathFullyQualified(path) ? "" : $"work directory '{path}' must be an absolute path";
        return error.Length == 0;
    }

    /// <summary>Take care of this work directory if the owner dies.</summary>
    public sealed record Watch(string WorkDirectory, string LeaseId, TimeSpan RecoveryTimeout, bool Temporary) : WatchCommand(WorkDirectory);

    /// <summary>Containers of this work directory's agent run on this engine.</summary>
    public sealed record Engine(string WorkDirectory, Uri Endpoint) : WatchCommand(WorkDirectory);

    /// <summary>The agent stopped and cleaned up itself: forget the work directory.</summary>
    public sealed record Release(string WorkDirectory) : WatchCommand(WorkDirectory);
}
