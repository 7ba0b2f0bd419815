using System.Text.Json;

namespace Embedded.Cli.Commands;

/// <summary>An agent's principal and secret, from a file as Mesos's agent <c>--credential</c> reads it.</summary>
internal sealed record AgentCredential(string Principal, string Secret)
{
    /// <summary>"principal secret" on one line, or <c>{"principal":"p","secret":"s"}</c>; throws <see cref="FormatException"/> naming the file otherwise.</summary>
    public static AgentCredential Load(string path)
    {
        var text = File.ReadAllText(path).Trim();
        if (text.StartsWith('{'))
        {
            try
            {
                using var json = JsonDocument.Parse(text);
                if (json.RootElement.TryGetProperty("principal", out var p) && p.GetString() is { Length: > 0 } principal
                    && json.RootElement.TryGetProperty("secret", out var s) && s.GetString() is { Length: > 0 } secret)
                    return new AgentCredential(principal, secret);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                throw new FormatException($"--credential {path}: not valid JSON ({e.Message})");
            }
            throw new FormatException($"--credential {path}: the JSON needs a non-empty \"principal\" and \"secret\"");
        }
        var parts = text.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || text.Contains('\n', StringComparison.Ordinal))
            throw new FormatException($"--credential {path}: expected one line \"principal secret\" or {{\"principal\":..,\"secret\":..}}");
        return new AgentCredential(parts[0], parts[1]);
    }
}
