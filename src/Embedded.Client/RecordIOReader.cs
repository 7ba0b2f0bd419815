using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Embedded.Client;

/// <summary>Reads Mesos RecordIO (<c>length\n json</c>, repeated) from a SUBSCRIBE response body.</summary>
internal sealed class RecordIOReader(Stream stream)
{
    // A record longer than this is a broken stream, not an event.
    private const int MaxRecord = 64 * 1024 * 1024;
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
            if (length.Length > 10) throw new InvalidDataException("a RecordIO length is too long");
            length.Append((char)b);
        }
        if (!int.TryParse(length.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size > MaxRecord)
            throw new InvalidDataException($"'{length}' is not a RecordIO length");
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
        _end = await stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
        return _end > 0;
    }
}
