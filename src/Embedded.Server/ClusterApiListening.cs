using System.Net;

namespace Embedded.Server;

/// <summary>
/// Whether the API may listen on an address: off loopback it must authenticate, since anyone who
/// can reach it could otherwise run commands on the cluster. For hosts (the <c>embedded</c> binary)
/// to call before they bind.
/// </summary>
public static class ClusterApiListening
{
    /// <summary>
    /// Throws <see cref="InvalidOperationException"/> naming the first address that is not loopback
    /// when <paramref name="options"/> configure no authentication.
    /// </summary>
    public static void EnsureSafe(IEnumerable<string> urls, ClusterApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(urls);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Authentication.IsEnabled) return;
        foreach (var url in urls)
            if (!IsLoopback(url))
                throw new InvalidOperationException(
                    $"Refusing to serve the cluster API on '{url}' without authentication: anyone who reaches it could run commands. " +
                    "Listen on 127.0.0.1 or localhost, or set ClusterApiOptions.Authentication (a credentials file or a bearer token).");
    }

    /// <summary>
    /// Whether a listen URL as Kestrel takes it (<c>http://127.0.0.1:5050</c>, <c>https://[::1]:5051</c>,
    /// <c>http://localhost:5050</c>, <c>http://unix:/path</c>) is reachable from this machine only.
    /// Wildcards (<c>*</c>, <c>+</c>, <c>0.0.0.0</c>) and other host names are not.
    /// </summary>
    public static bool IsLoopback(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var rest = url.Trim();
        var scheme = rest.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) rest = rest[(scheme + 3)..];
        if (rest.StartsWith("unix:", StringComparison.OrdinalIgnoreCase)) return true;
        var end = rest.IndexOf('/');
        if (end >= 0) rest = rest[..end];
        string host;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']');
            if (close < 0) return false;
            host = rest[1..close];
        }
        else
        {
            var colon = rest.LastIndexOf(':');
            host = colon >= 0 ? rest[..colon] : rest;
        }
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }
}
