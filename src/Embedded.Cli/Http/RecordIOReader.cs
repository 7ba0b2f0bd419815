using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Embedded.Cli.Http;

/// <summary>Reads Mesos RecordIO (<c>length\n json</c>, repeated) from a SUBSCRIBE response body.</summary>
internal sealed class RecordIOReader(Stream stream)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;

    /// <summary>The next record, or null at the end of the stream.</summary>
    public async Task<JsonDocument?> ReadAsync(CancellationToken cancellationToken)
    {
        var length = new StringBuilder();
        while (true)
        {
            if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false)) return null;
            var b = _buffer[_start++];
            if (b == '\n') break;
            length.Append((char)b);
        }
        var size = int.Parse(length.ToString(), NumberStyles.None, CultureInfo.InvariantCulture);
        var record = new byte[size];
        for (var done = 0; done < size;)
        {
            if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
                throw new EndOfStreamException("the master closed the stream inside a record");
            var n = Math.Min(size - done, _end - _start);
            Array.Copy(_buffer, _start, record, done, n);
            _start += n;
            done += n;
        }
        return JsonDocument.Parse(record);
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        try
        {
            _end = await stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new StreamLostException($"the connection to the master was lost ({e.Message})");
        }
        return _end > 0;
    }
}

/// <summary>The master's event stream ended: the master stopped or the connection broke.</summary>
internal sealed class StreamLostException(string message) : MasterException(message);
