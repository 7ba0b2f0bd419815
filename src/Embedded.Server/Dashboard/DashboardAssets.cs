using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace Embedded.Server.Dashboard;

/// <summary>The page, its script and its style, read once from this assembly's embedded resources.</summary>
internal static class DashboardAssets
{
    private static readonly FrozenDictionary<string, (byte[] Content, string ContentType)> Files = new[]
    {
        ("index.html", "text/html; charset=utf-8"),
        ("dashboard.js", "text/javascript; charset=utf-8"),
        ("dashboard.css", "text/css; charset=utf-8"),
    }.ToFrozenDictionary(f => f.Item1, f => (Read(f.Item1), f.Item2), StringComparer.Ordinal);

    public static IEnumerable<string> Names => Files.Keys;

    public static Task WriteAsync(HttpContext context, string name)
    {
        var (content, contentType) = Files[name];
        context.Response.ContentType = contentType;
        context.Response.ContentLength = content.Length;
        // Always revalidated: a new build of the server serves its own page at once.
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        context.Response.Headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:";
        return context.Response.Body.WriteAsync(content, context.RequestAborted).AsTask();
    }

    private static byte[] Read(string name)
    {
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream($"Embedded.Server.Dashboard.{name}")
            ?? throw new InvalidOperationException($"the dashboard's {name} is missing from {typeof(DashboardAssets).Assembly.GetName().Name}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
