namespace Embedded.Cli.Commands;

/// <summary>
/// The bearer tokens `dev` and `master` accept (<c>--tokens FILE</c>): one <c>principal token</c> per line,
/// as the credentials file's lines (blank lines and <c>#</c> comments skipped); a client presents the token
/// alone (its <c>--token-file</c>).
/// </summary>
internal static class ServerTokens
{
    /// <summary>Each token to its principal; throws <see cref="FormatException"/> naming the file and the line.</summary>
    public static Dictionary<string, string> Load(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"--tokens {path}: cannot read it ({e.Message})");
        }
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 2) throw new FormatException($"--tokens {path}: line {i + 1}: expected 'principal token', found {fields.Length} field(s)");
            // A token names one principal: the same token twice would make the caller ambiguous.
            if (!tokens.TryAdd(fields[1], fields[0])) throw new FormatException($"--tokens {path}: line {i + 1}: this token is listed twice");
        }
        return tokens.Count > 0 ? tokens : throw new FormatException($"--tokens {path}: holds no tokens");
    }
}
