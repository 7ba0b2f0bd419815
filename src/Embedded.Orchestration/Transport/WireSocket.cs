using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;

namespace Embedded.Orchestration.Transport;

/// <summary>
/// One end of a network link between master and agent: a WebSocket that carries the protocol's records,
/// one JSON text message each, as <see cref="Protocol.WireJsonContext"/> writes them. Sending never blocks
/// an actor: records queue, and a queue that stays full means the peer stopped reading, so the link is
/// cut as a partition would cut it (both ends then recover as from any partition).
/// </summary>
internal sealed class WireSocket<TIn, TOut>(WebSocket socket, JsonTypeInfo<TIn> read, JsonTypeInfo<TOut> write, int maxQueued = 10_000, int maxMessageBytes = 16 * 1024 * 1024)
    where TIn : class
    where TOut : class
{
    private readonly Channel<TOut> _outbox = Channel.CreateBounded<TOut>(new BoundedChannelOptions(maxQueued) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _cut = new();

    /// <summary>Queues a record; false (and the link is cut) when the peer has stopped reading, or the link is gone.</summary>
    public bool TrySend(TOut message)
    {
        if (_outbox.Writer.TryWrite(message)) return true;
        Cut();
        return false;
    }

    /// <summary>Ends the link now, as a broken connection would.</summary>
    public void Cut()
    {
        _outbox.Writer.TryComplete();
        try
        {
            _cut.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Over already.
        }
    }

    /// <summary>
    /// Sends what is queued and hands each record read to <paramref name="received"/> (which returns null, or why
    /// the link must close: the peer is told why) until the peer closes, the link breaks, <see cref="Cut"/> or <paramref name="cancellationToken"/>.
    /// Returns why it ended, for the log; never throws for a link that breaks.
    /// </summary>
    public async Task<string> RunAsync(Func<TIn, string?> received, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _cut.Token);
        var sending = SendAllAsync(linked.Token);
        string why;
        string? refusal = null;
        try
        {
            (why, refusal) = await ReceiveAllAsync(received, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            why = cancellationToken.IsCancellationRequested ? "stopping" : "the link was cut";
        }
        catch (Exception e) when (e is WebSocketException or IOException or JsonException or InvalidDataException or NotSupportedException)
        {
            why = e.Message;
        }
        _outbox.Writer.TryComplete();
        // What was queued before the end still goes (a refusal, a last update), unless the link is broken or cut.
        try
        {
            await sending.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or WebSocketException or IOException)
        {
            // Nothing more can go; the socket is closed below anyway.
        }
        await CloseAsync(refusal).ConfigureAwait(false);
        _cut.Dispose();
        return why;
    }

    private async Task SendAllAsync(CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var json = new Utf8JsonWriter(buffer);
        try
        {
            await foreach (var message in _outbox.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                buffer.ResetWrittenCount();
                json.Reset(buffer);
                JsonSerializer.Serialize(json, message, write);
                await socket.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            Cut(); // A link that cannot send is broken both ways.
        }
    }

    private async Task<(string Why, string? Refusal)> ReceiveAllAsync(Func<TIn, string?> received, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            buffer.ResetWrittenCount();
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.GetMemory(4096), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close) return (socket.CloseStatusDescription is { Length: > 0 } d ? $"closed by the peer: {d}" : "closed by the peer", null);
                buffer.Advance(result.Count);
                if (buffer.WrittenCount > maxMessageBytes) throw new InvalidDataException($"a message over {maxMessageBytes} bytes");
            }
            while (!result.EndOfMessage);
            var message = JsonSerializer.Deserialize(buffer.WrittenSpan, read) ?? throw new InvalidDataException("a null message");
            if (received(message) is { } refusal) return (refusal, refusal);
        }
    }

    private async Task CloseAsync(string? refusal)
    {
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                // A close frame's reason holds at most 123 bytes.
                var reason = refusal is null ? null : refusal.Length > 120 ? refusal[..120] : refusal;
                await socket.CloseOutputAsync(refusal is null ? WebSocketCloseStatus.NormalClosure : WebSocketCloseStatus.PolicyViolation, reason, timeout.Token).ConfigureAwait(false);
                // Wait for the peer's close (the handshake) before the connection goes: aborted at once, it can be reset
                // before the peer has read what was sent last (a refusal), which the peer would then never see.
                var rest = new byte[1024];
                while (socket.State == WebSocketState.CloseSent) await socket.ReceiveAsync(rest.AsMemory(), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // The other end is gone already.
        }
        socket.Abort();
        socket.Dispose();
    }
}
