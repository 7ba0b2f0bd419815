using System.Globalization;

namespace Embedded.Watchdog;

/// <summary>
/// What the watchdog did, one timestamped line each, to a file when one is named (tests and
/// debugging) and nowhere otherwise: it runs detached, with no logging pipeline to feed.
/// </summary>
internal sealed class Journal : IDisposable
{
    private readonly string? _file;
    private readonly Lock _gate = new();

    private Journal(string? file) => _file = file;

    public static Journal None { get; } = new(null);

    public static Journal Open(string? file) => string.IsNullOrWhiteSpace(file) ? None : new Journal(file);

    /// <summary>Opened per line: several watchdogs (one per owner) may share a file, and each line lands whole at its end.</summary>
    public void Write(string message)
    {
        if (_file is null) return;
        lock (_gate)
        {
            try
            {
                File.AppendAllText(_file, $"{DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} [{Environment.ProcessId}] {message}\n");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A full disk must not stop the cleanup.
            }
        }
    }

    public void Dispose()
    {
        // Nothing is held open between lines.
    }
}
