using System.Text.Json;
using Embedded.Server.Mesos;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Embedded.Server.Http;

/// <summary>
/// The checks Mesos's HTTP endpoints make before reading a call, in its order: POST only (405),
/// a JSON body (415, protobuf is not served), an Accept that allows JSON (406), a body within the
/// limit (413) that parses (400).
/// </summary>
internal static class ApiRequest
{
    public const string Json = "application/json";

    public static async Task<JsonDocument> ReadCallAsync(HttpContext context, int maxBytes, bool streaming)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = "POST";
            throw new CallException(405, $"Expecting 'POST', received '{request.Method}'");
        }
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) || !contentType.MediaType.Equals(Json, StringComparison.OrdinalIgnoreCase))
            throw new CallException(415, request.ContentType is { Length: > 0 } ct && ct.Contains("protobuf", StringComparison.OrdinalIgnoreCase)
                ? "JSON only: send 'application/json'; 'application/x-protobuf' is not served"
                : $"Expecting 'Content-Type' of 'application/json', received '{request.ContentType}'");
        if (!Accepts(request, streaming))
            throw new CallException(406, "Expecting 'Accept' to allow 'application/json'");
        if (request.ContentLength > maxBytes)
            throw new CallException(413, $"Request body is larger than {maxBytes} bytes");

        var body = await ReadBodyAsync(request, maxBytes, context.RequestAborted).ConfigureAwait(false);
        try
        {
            var doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                doc.Dispose();
                throw CallException.BadRequest("Failed to parse body into Call: expecting a JSON object");
            }
            return doc;
        }
        catch (JsonException e)
        {
            throw CallException.BadRequest($"Failed to parse body into JSON: {e.Message}");
        }
    }

    private static bool Accepts(HttpRequest request, bool streaming)
    {
        var accept = request.Headers.Accept;
        if (accept.Count == 0) return true;
        if (!MediaTypeHeaderValue.TryParseList(accept, out var types)) return false;
        return types.Any(t =>
            (t.Quality ?? 1) > 0 &&
            (t.MatchesAllTypes || t.MediaType.Equals("application/*", StringComparison.OrdinalIgnoreCase) || t.MediaType.Equals(Json, StringComparison.OrdinalIgnoreCase)
             || (streaming && t.MediaType.Equals("application/recordio", StringComparison.OrdinalIgnoreCase))));
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (true)
        {
            var read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
            if (read == 0) break;
            if (buffer.Length + read > maxBytes) throw new CallException(413, $"Request body is larger than {maxBytes} bytes");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>Writes a short text answer, as Mesos answers errors.</summary>
    public static Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message, context.RequestAborted);
    }

    /// <summary>A JSON answer with <c>Content-Type</c> exactly <c>application/json</c>, as Mesos sends it.</summary>
    /// <summary>The address the request came in on (IPv4 for an IPv4-mapped one, loopback when the connection has none).</summary>
    public static System.Net.IPAddress LocalAddress(HttpContext context)
    {
        var local = context.Connection.LocalIpAddress ?? System.Net.IPAddress.Loopback;
        return local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local;
    }

    public static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer)) write(json);
        context.Response.StatusCode = 200;
        context.Response.ContentType = Json;
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
