using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Lease;

/// <summary>
/// This process's one watchdog, shared by all its agents and clusters: started when the first agent
/// needs it, without waiting for it (the pipe exists once it is spawned and buffers what is sent).
/// The process holds the only write end of the watchdog's stdin; however the process ends, the OS
/// closes it and the watchdog acts on EOF. Should the watchdog be gone (killed by hand), the next
/// command starts a new one and sends it everything that is still watched.
/// </summary>
internal sealed partial class OwnerLease
{
    public static OwnerLease Shared { get; } = new(() => WatchdogLauncher.Build(OwnerIdentityInfo.Current));

    private readonly Func<(ProcessStartInfo? Start, string? Problem)> _launch;

    /// <param name="launch">How to start the watchdog; a seam for tests, which start something else.</param>
    internal OwnerLease(Func<(ProcessStartInfo? Start, string? Problem)> launch) => _launch = launch;

    // Guards the pipe (one process-wide resource, not cluster state): lines must not interleave.
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<string>> _watched = new(StringComparer.Ordinal);
    private Process? _watchdog;
    private StreamWriter? _pipe;
    private bool _unavailableLogged;

    /// <summary>How many times this process started a watchdog (1 unless one was lost).</summary>
    public int Starts { get; private set; }

    public void Watch(string workDirectory, string leaseId, TimeSpan recoveryTimeout, bool temporary, ILogger logger)
    {
        var line = string.Join('\t', "watch", workDirectory, leaseId,
            recoveryTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture), temporary ? "1" : "0");
        lock (_gate)
        {
            _watched[workDirectory] = [line];
            Send(line, logger);
        }
    }

    public void WatchEngine(string workDirectory, Uri endpoint, ILogger logger)
    {
        var line = string.Join('\t', "engine", workDirectory, endpoint.ToString());
        lock (_gate)
        {
            if (!_watched.TryGetValue(workDirectory, out var lines) || lines.Contains(line)) return;
            lines.Add(line);
            Send(line, logger);
        }
    }

    public void Release(string workDirectory, ILogger logger)
    {
        lock (_gate)
        {
            if (!_watched.Remove(workDirectory)) return;
            Send(string.Join('\t', "release", workDirectory), logger);
        }
    }

    private void Send(string line, ILogger logger)
    {
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            // A fresh watchdog learns everything still watched first.
            var lines = _pipe is null ? [.. _watched.Values.SelectMany(l => l).Append(line).Distinct()] : new List<string> { line };
            if (_pipe is null && !TryStart(logger)) return;
            try
            {
                foreach (var l in lines) _pipe!.Write(l + "\n");
                _pipe!.Flush();
                return;
            }
            catch (IOException e)
            {
                LogWatchdogLost(logger, e.Message);
                _pipe = null;
                _watchdog?.Dispose();
                _watchdog = null;
            }
        }
    }

    private bool TryStart(ILogger logger)
    {
        var (start, problem) = _launch();
        if (start is null)
        {
            if (!_unavailableLogged) LogWatchdogUnavailable(logger, problem!);
            _unavailableLogged = true;
            return false;
        }
        try
        {
            var process = Process.Start(start)!;
            // Nobody reads them: the watchdog has nothing to say, and an unread pipe must not fill.
            process.StandardOutput.Dispose();
            process.StandardError.Dispose();
            _pipe = process.StandardInput;
            _pipe.AutoFlush = false;
            _watchdog = process;
            Starts++;
            LogWatchdogStarted(logger, string.Join(' ', start.ArgumentList.Prepend(start.FileName)));
            return true;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            if (!_unavailableLogged) LogWatchdogUnavailable(logger, e.Message);
            _unavailableLogged = true;
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Owner lease: started the watchdog ({Command})")]
    private static partial void LogWatchdogStarted(ILogger logger, string command);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Owner lease: no watchdog can run ({Problem}); tasks may outlive this process if it dies")]
    private static partial void LogWatchdogUnavailable(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Owner lease: the watchdog is gone ({Error}); starting another")]
    private static partial void LogWatchdogLost(ILogger logger, string error);
}
