using System.Text.Json;

namespace Embedded.Server.Security;

/// <summary>
/// A credentials file as Mesos's <c>--credentials</c> takes it: JSON
/// <c>{"credentials":[{"principal":"p","secret":"s"}]}</c>, or one <c>principal secret</c> per line
/// (blank lines and <c>#</c> comments skipped). Anything else fails with the file and the place named.
/// </summary>
internal static class Credentials
{
    public static Dictionary<string, string> Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw Bad(path, $"cannot be read: {e.Message}");
        }
        var credentials = text.TrimStart().StartsWith('{') ? FromJson(path, text) : FromLines(path, text);
        if (credentials.Count == 0) throw Bad(path, "holds no credentials");
        return credentials;
    }

    private static Dictionary<string, string> FromJson(string path, string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (!doc.RootElement.TryGetProperty("credentials", out var list) || list.ValueKind != JsonValueKind.Array)
                throw Bad(path, "must have a 'credentials' array, as {\"credentials\":[{\"principal\":\"p\",\"secret\":\"s\"}]}");
            var i = 0;
            foreach (var entry in list.EnumerateArray())
            {
                i++;
                var principal = entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("principal", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
                var secret = entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("secret", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
                if (string.IsNullOrEmpty(principal) || string.IsNullOrEmpty(secret))
                    throw Bad(path, $"credential {i} needs a non-empty string 'principal' and 'secret'");
                Add(result, path, principal, secret, $"credential {i}");
            }
        }
        catch (JsonException e)
        {
            throw Bad(path, $"is not valid JSON: {e.Message}");
        }
        return result;
    }

    private static Dictionary<string, string> FromLines(string path, string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 2) throw Bad(path, $"line {i + 1}: expected 'principal secret', found {fields.Length} field(s)");
            Add(result, path, fields[0], fields[1], $"line {i + 1}");
        }
        return result;
    }

    private static void Add(Dictionary<string, string> credentials, string path, string principal, string secret, string where)
    {
        if (principal.Contains(':', StringComparison.Ordinal)) throw Bad(path, $"{where}: a principal cannot contain ':' (HTTP Basic splits there)");
        if (!credentials.TryAdd(principal, secret)) throw Bad(path, $"{where}: principal '{principal}' is listed twice");
    }

    private static InvalidOperationException Bad(string path, string what) => new($"Credentials file '{path}': {what}.");
}
