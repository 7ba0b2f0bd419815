using System.Buffers;
using System.Text;
using System.Text.Json;
using Embedded.Orchestration.Scheduling;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Embedded.Server.Dashboard;

/// <summary>
/// <c>GET /api/v1/dashboard/events</c>: the cluster's changes (<see cref="IClusterClient.WatchAsync"/>) as
/// server-sent events, one JSON object per event, the first (SUBSCRIBED) with the whole state. A browser's
/// <c>EventSource</c> reads it with the page's credentials and reconnects by itself when the stream ends
/// (a reader cut off for falling behind, a restarted master), getting a fresh SUBSCRIBED.
/// </summary>
internal static class DashboardEvents
{
    public const string Route = "/api/v1/dashboard/events";
    private static readonly byte[] Data = Encoding.UTF8.GetBytes("data: ");
    private static readonly byte[] End = Encoding.UTF8.GetBytes("\n\n");

    public static async Task StreamAsync(HttpContext context, IClusterClient cluster, TimeProvider time, ILogger logger, CancellationToken stopping)
    {
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var body = context.Response.Body;
        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            // How long the browser waits before it reconnects.
            await body.WriteAsync(Encoding.UTF8.GetBytes("retry: 2000\n\n"), ended.Token).ConfigureAwait(false);
            await body.FlushAsync(ended.Token).ConfigureAwait(false);
            await foreach (var e in cluster.WatchAsync(ended.Token).ConfigureAwait(false))
            {
                buffer.ResetWrittenCount();
                buffer.Write(Data);
                using (var json = new Utf8JsonWriter(buffer)) DashboardJson.WriteEvent(json, e, time.GetUtcNow());
                buffer.Write(End);
                await body.WriteAsync(buffer.WrittenMemory, ended.Token).ConfigureAwait(false);
                await body.FlushAsync(ended.Token).ConfigureAwait(false);
            }
            Log.DashboardStreamEnded(logger, "the master stopped");
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
            // The browser went away, or the app stops.
        }
        catch (InvalidOperationException e)
        {
            // Cut off for falling behind: the browser reconnects and starts again from a SUBSCRIBED.
            Log.DashboardStreamEnded(logger, e.Message);
        }
    }
}
