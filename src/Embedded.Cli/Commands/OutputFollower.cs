using Embedded.Cli.Http;

namespace Embedded.Cli.Commands;

/// <summary>
/// Streams a running task's output by polling the master's output endpoint: prints what is new since
/// the last read (stdout to stdout, stderr to stderr). The agent keeps a tail, so once the output outgrows
/// it the follower finds where it left off by the last characters it printed.
/// </summary>
internal sealed class OutputFollower(MasterClient client, string agentId, string frameworkId, string taskId, TextWriter stdout, TextWriter stderr)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(300);
    private CancellationTokenSource? _stop;
    private string _stdout = "", _stderr = "";
    private Task? _loop;

    public void Start(CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _loop = LoopAsync(_stop.Token);
    }

    /// <summary>Stops polling, then prints what the task wrote last.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stop is not null)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _loop!.ConfigureAwait(false);
            _stop.Dispose();
            _stop = null;
        }
        await ReadOnceAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await ReadOnceAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(Interval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ReadOnceAsync(CancellationToken cancellationToken)
    {
        (string Stdout, string Stderr)? output;
        try
        {
            output = await client.ReadOutputAsync(agentId, frameworkId, taskId, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            return; // the next read, or the task's final status, tells
        }
        if (output is not { } o) return;
        _stdout = Print(stdout, _stdout, o.Stdout);
        _stderr = Print(stderr, _stderr, o.Stderr);
    }

    private static string Print(TextWriter writer, string printed, string now)
    {
        if (now.Length == 0 || now == printed) return printed;
        int from;
        if (now.StartsWith(printed, StringComparison.Ordinal)) from = printed.Length;
        else
        {
            var mark = printed.Length > 256 ? printed[^256..] : printed;
            var at = mark.Length == 0 ? -1 : now.LastIndexOf(mark, StringComparison.Ordinal);
            from = at >= 0 ? at + mark.Length : 0;
        }
        writer.Write(now[from..]);
        writer.Flush();
        return now;
    }
}
