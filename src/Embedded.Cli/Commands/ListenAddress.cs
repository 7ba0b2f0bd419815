using System.Net;

namespace Embedded.Cli.Commands;

/// <summary>Whether a --listen URL stays on this machine: only then may `dev` serve without authentication.</summary>
internal static class ListenAddress
{
    public static bool IsLoopback(Uri url)
    {
        if (url.IsLoopback) return true; // localhost, 127.0.0.0/8, ::1
        return IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }
}
