using System.Text.Json;
using Embedded.Client;

namespace Embedded.Cli.Http;

/// <summary>A SUBSCRIBE response body read with the client library's RecordIO reader; a broken connection is a <see cref="StreamLostException"/>.</summary>
internal sealed class MasterEventReader(Stream stream)
{
    private readonly RecordIOReader _reader = new(stream);

    /// <summary>The next record, or null at the end of the stream.</summary>
    public async Task<JsonDocument?> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException)
        {
            throw new StreamLostException($"the connection to the master was lost ({e.Message})");
        }
    }
}

/// <summary>The master's event stream ended: the master stopped or the connection broke.</summary>
internal sealed class StreamLostException(string message) : MasterException(message);
