using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Embedded.Server.Tests;

/// <summary>
/// A SUBSCRIBE read from the raw HTTP/1.1 response over a socket, so the test sees what a client
/// sees: status, headers, and each HTTP chunk, which must hold exactly one RecordIO record.
/// </summary>
internal sealed class MesosStream : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private NetworkStream _stream = null!;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;

    private MesosStream(TcpClient tcp)
    {
        _tcp = tcp;
    }

    public int StatusCode { get; private set; }
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);
    public string StreamId => Headers["Mesos-Stream-Id"];
    public string FrameworkId { get; private set; } = "";
    public List<JsonElement> Seen { get; } = [];

    /// <summary>The Authorization header the stream was opened with, sent again with its acknowledgements.</summary>
    public string? Authorization { get; private init; }

    /// <summary>Opens the stream; with <paramref name="receiveBuffer"/> set the socket holds little, to model a client that stops reading.</summary>
    public static async Task<MesosStream> OpenAsync(Uri server, string body, int? receiveBuffer = null, string? authorization = null, string path = "/api/v1/scheduler")
    {
        var tcp = new TcpClient();
        if (receiveBuffer is { } size) tcp.ReceiveBufferSize = size;
        var stream = new MesosStream(tcp) { Authorization = authorization };
        try
        {
            await tcp.ConnectAsync(server.Host, server.Port).WaitAsync(EventStream.DefaultGuard);
            stream._stream = tcp.GetStream();
            var bytes = Encoding.UTF8.GetBytes(body);
            var head = $"POST {path} HTTP/1.1\r\nHost: {server.Authority}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {bytes.Length}\r\n{(authorization is null ? "" : $"Authorization: {authorization}\r\n")}\r\n";
            await stream._stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream._stream.WriteAsync(bytes);
            var status = await stream.ReadLineAsync();
            stream.StatusCode = int.Parse(status.Split(' ')[1], CultureInfo.InvariantCulture);
            for (var line = await stream.ReadLineAsync(); line.Length > 0; line = await stream.ReadLineAsync())
            {
                var colon = line.IndexOf(':');
                stream.Headers[line[..colon]] = line[(colon + 1)..].Trim();
            }
            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>The next event of <paramref name="type"/> (any but HEARTBEAT when null); others read meanwhile are kept in <see cref="Seen"/>.</summary>
    public async Task<JsonElement> NextAsync(string? type = null, Func<JsonElement, bool>? match = null)
    {
        using var guard = new CancellationTokenSource(EventStream.DefaultGuard);
        while (true)
        {
            var e = await ReadRecordAsync(guard.Token)
                ?? throw new InvalidOperationException($"the stream ended while waiting for {type}; saw {string.Join(", ", Seen.Select(s => s.GetProperty("type").GetString()))}");
            Seen.Add(e);
            var t = e.GetProperty("type").GetString();
            if (t == "SUBSCRIBED" && e.GetProperty("subscribed").TryGetProperty("framework_id", out _)) FrameworkId = e.GetProperty("subscribed").GetProperty("framework_id").GetProperty("value").GetString()!;
            if (type is null ? t != "HEARTBEAT" : t == type && (match is null || match(e))) return e;
        }
    }

    /// <summary>The next UPDATE of a task; every update read on the way is acknowledged, so the agent sends the next.</summary>
    public async Task<JsonElement> NextUpdateAsync(ApiServer server, string taskId, string state)
    {
        while (true)
        {
            var status = (await NextAsync("UPDATE", e => e.GetProperty("update").GetProperty("status").GetProperty("task_id").GetProperty("value").GetString() == taskId))
                .GetProperty("update").GetProperty("status");
            if (status.TryGetProperty("uuid", out var uuid))
            {
                using var ack = await server.PostAsync("/api/v1/scheduler", Calls.Acknowledge(FrameworkId, status.GetProperty("agent_id").GetProperty("value").GetString()!, taskId, uuid.GetString()!), StreamId, authorization: Authorization);
                ack.StatusCode.Should().Be(System.Net.HttpStatusCode.Accepted, await ack.Content.ReadAsStringAsync());
            }
            if (status.GetProperty("state").GetString() == state) return status;
        }
    }

    /// <summary>One chunk, checked to be exactly one <c>length\n json</c> record; null at the end of the stream.</summary>
    public async Task<JsonElement?> ReadRecordAsync(CancellationToken cancellationToken = default)
    {
        var sizeLine = await ReadLineAsync(cancellationToken);
        var size = int.Parse(sizeLine.Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if (size == 0) return null;
        var chunk = await ReadExactlyAsync(size, cancellationToken);
        (await ReadLineAsync(cancellationToken)).Should().BeEmpty("a chunk ends with CRLF");
        var newline = Array.IndexOf(chunk, (byte)'\n');
        newline.Should().BePositive("a RecordIO record starts with its length and a newline");
        var length = int.Parse(Encoding.ASCII.GetString(chunk, 0, newline), CultureInfo.InvariantCulture);
        length.Should().Be(chunk.Length - newline - 1, "each HTTP chunk holds exactly one whole record");
        using var doc = JsonDocument.Parse(chunk.AsMemory(newline + 1));
        return doc.RootElement.Clone();
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        var line = new List<byte>();
        while (true)
        {
            if (_start == _end) await FillAsync(cancellationToken);
            var b = _buffer[_start++];
            if (b == '\n') return Encoding.ASCII.GetString([.. line]).TrimEnd('\r');
            line.Add(b);
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        var result = new byte[count];
        var done = 0;
        while (done < count)
        {
            if (_start == _end) await FillAsync(cancellationToken);
            var n = Math.Min(count - done, _end - _start);
            Array.Copy(_buffer, _start, result, done, n);
            _start += n;
            done += n;
        }
        return result;
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await _stream.ReadAsync(_buffer, cancellationToken);
        if (_end == 0) throw new EndOfStreamException("the server closed the connection");
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
