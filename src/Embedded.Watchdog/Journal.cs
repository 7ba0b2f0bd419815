using System.Globalization;

namespace Embedded.Watchdog;

/// <summary>
/// What the watchdog did, one timestamped line each, to a file when one is named (tests and
/// debugging) and nowhere otherwise: it runs detached, with no logging pipeline to feed.
/// </summary>
internal sealed class Journal : IDisposable
{
    private readonly TextWriter? _writer;
    private readonly Lock _gate = new();

    private Journal(TextWriter? writer) => _writer = writer;

    public static Journal None { get; } = new(null);

    public static Journal Open(string? file)
    {
        if (string.IsNullOrWhiteSpace(file)) return None;
        try
        {
            return new Journal(new StreamWriter(new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return None;
        }
    }

    public void Write(string message)
    {
        if (_writer is null) return;
        lock (_gate)
        {
            try
            {
                _writer.WriteLine($"{DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} [{Environment.ProcessId}] {message}");
            }
            catch (IOException)
            {
                // A full disk must not stop the cleanup.
            }
        }
    }

    public void Dispose()
    {
        if (this != None) _writer?.Dispose();
    }
}
