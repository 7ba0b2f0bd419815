using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Docker.DotNet;

namespace Embedded.Orchestration.Docker;

/// <summary>The engine's own words for what went wrong, so that statuses quote Docker rather than an HTTP layer.</summary>
internal static class EngineErrors
{
    /// <summary>The <c>message</c> of an error response, else its body, else the exception's message.</summary>
    public static string Message(Exception error)
    {
        if (error is DockerApiException api)
        {
            var body = api.ResponseBody?.Trim();
            if (string.IsNullOrEmpty(body)) return $"the engine answered {(int)api.StatusCode} {api.StatusCode}";
            try
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.ValueKind == JsonValueKind.Object
                    && json.RootElement.TryGetProperty("message", out var message)
                    && message.ValueKind == JsonValueKind.String)
                    return message.GetString()!.Trim();
            }
            catch (JsonException)
            {
                // Not JSON: the body is the message.
            }
            return body;
        }
        if (error is AggregateException { InnerExceptions.Count: 1 } aggregate) return Message(aggregate.InnerExceptions[0]);
        if (error is DockerEndpoint.TlsAuthProvider.TlsHandshakeException) return error.Message;
        return error.InnerException is { } inner && error is HttpRequestException ? $"{error.Message} ({inner.Message})" : error.Message;
    }

    /// <summary>Whether the engine answered but the TLS handshake failed: it is there, we cannot talk to it.</summary>
    public static bool IsTlsFailure(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is DockerEndpoint.TlsAuthProvider.TlsHandshakeException) return true;
            if (e is AggregateException a && a.InnerExceptions.Any(IsTlsFailure)) return true;
        }
        return false;
    }

    public static bool IsNotFound(Exception error) => error is DockerApiException { StatusCode: HttpStatusCode.NotFound };

    public static bool IsConflict(Exception error) => error is DockerApiException { StatusCode: HttpStatusCode.Conflict };

    /// <summary>Whether the error says the engine cannot be reached at all (rather than that it refused a request).</summary>
    public static bool IsUnreachable(Exception error) => error switch
    {
        HttpRequestException or SocketException or IOException or TimeoutException => true,
        TaskCanceledException { InnerException: TimeoutException } => true,
        AggregateException a => a.InnerExceptions.Any(IsUnreachable),
        _ => false,
    };

    /// <summary>Errors that talking to an engine may raise; anything else is a bug and should surface.</summary>
    public static bool IsEngineError(Exception error) =>
        error is DockerApiException or ObjectDisposedException || IsUnreachable(error);
}
