namespace Embedded.Orchestration.Docker;

/// <summary>
/// Host paths as the engine's OS reads them, normalized lexically (the engine may run elsewhere, so
/// this machine's file system cannot be asked), and the check that one lies under an allowed directory.
/// </summary>
internal static class HostPaths
{
    public static bool IsRooted(string path) => IsLinuxRooted(path) || IsWindowsRooted(path);

    public static bool IsLinuxRooted(string path) => path.StartsWith('/');

    public static bool IsWindowsRooted(string path) =>
        (path.Length >= 3 && char.IsAsciiLetter(path[0]) && path[1] == ':' && path[2] is '\\' or '/')
        || path.StartsWith(@"\\", StringComparison.Ordinal);

    /// <summary>
    /// The path's segments with <c>.</c> and <c>..</c> resolved, or null when it is not absolute for
    /// that OS or climbs above its root. Windows drive letters and names compare case-insensitively.
    /// </summary>
    public static string[]? Normalize(string path, bool windows)
    {
        string root;
        string rest;
        if (windows)
        {
            if (!IsWindowsRooted(path)) return null;
            if (path.StartsWith(@"\\", StringComparison.Ordinal))
            {
                root = @"\\";
                rest = path[2..];
            }
            else
            {
                root = char.ToUpperInvariant(path[0]) + ":";
                rest = path[2..];
            }
        }
        else
        {
            if (!IsLinuxRooted(path)) return null;
            root = "/";
            rest = path;
        }

        var segments = new List<string> { root };
        var separators = windows ? new[] { '\\', '/' } : ['/'];
        foreach (var segment in rest.Split(separators, StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment == ".") continue;
            if (segment == "..")
            {
                if (segments.Count == 1) return null;
                segments.RemoveAt(segments.Count - 1);
                continue;
            }
            segments.Add(segment);
        }
        return [.. segments];
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="directory"/> or lies beneath it, whole segments only.</summary>
    public static bool IsUnder(string path, string directory, bool windows)
    {
        var p = Normalize(path, windows);
        var d = Normalize(directory, windows);
        if (p is null || d is null || p.Length < d.Length) return false;
        var comparison = windows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        for (var i = 0; i < d.Length; i++)
            if (!string.Equals(p[i], d[i], comparison)) return false;
        return true;
    }

    /// <summary>The normalized path as the engine should get it.</summary>
    public static string? Canonical(string path, bool windows)
    {
        var segments = Normalize(path, windows);
        if (segments is null) return null;
        if (!windows) return "/" + string.Join('/', segments.Skip(1));
        return segments[0] == @"\\"
            ? @"\\" + string.Join('\\', segments.Skip(1))
            : segments[0] + @"\" + string.Join('\\', segments.Skip(1));
    }
}
