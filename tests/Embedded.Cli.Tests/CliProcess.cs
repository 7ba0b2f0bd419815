using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Embedded.Cli.Tests;

/// <summary>
/// The built `embedded` binary run as a child process (<c>dotnet embedded.dll …</c>): its output lines
/// collected as they come, awaited by content, its exit awaited through the Exited event; killed with
/// its tree on dispose, so nothing a test started stays.
/// </summary>
internal sealed partial class CliProcess : IAsyncDisposable
{
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private static readonly string Dll = typeof(CliProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "EmbeddedDll").Value!;

    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CliProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public string Stdout
    {
        get { lock (_gate) return _stdout.ToString(); }
    }

    public string Stderr
    {
        get { lock (_gate) return _stderr.ToString(); }
    }

    public string Output => $"stdout:\n{Stdout}\nstderr:\n{Stderr}";

    public static CliProcess Start(params string[] args) => Start(null, args);

    /// <summary>Starts it with <paramref name="environment"/> set on top of this process's (null values unset).</summary>
    public static CliProcess Start(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var start = new ProcessStartInfo(Processes.DotnetHost, [Dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>()) start.Environment[name] = value;
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => cli.OnLine(e.Data, cli._stdout);
        process.ErrorDataReceived += (_, e) => cli.OnLine(e.Data, cli._stderr);
        process.Exited += (_, _) => cli._exited.TrySetResult(process.ExitCode);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>The first line (on stdout or stderr, already seen or to come) that matches.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var seen = (_stdout + "\n" + _stderr).Split('\n').FirstOrDefault(match);
            if (seen is not null) return seen;
            _waiters.Add((match, found));
        }
        var ended = await Task.WhenAny(found.Task, _exited.Task, Task.Delay(Guard)).ConfigureAwait(false);
        if (ended == found.Task) return await found.Task.ConfigureAwait(false);
        throw new TimeoutException($"no such line ({(ended == _exited.Task ? "the process exited" : $"after {Guard}")}); {Output}");
    }

    /// <summary>Its exit code, within the guard.</summary>
    public async Task<int> WaitForExitAsync()
    {
        if (await Task.WhenAny(_exited.Task, Task.Delay(Guard)).ConfigureAwait(false) != _exited.Task)
            throw new TimeoutException($"embedded did not exit within {Guard}; {Output}");
        // The Exited event can come before the last lines: wait for the end of both streams too.
        using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(drain.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A task process still holds the pipe: what was read so far is what we get.
        }
        return await _exited.Task.ConfigureAwait(false);
    }

    /// <summary>Runs `embedded args…` to its end: exit code and what it printed.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) => RunAsync(null, args);

    /// <summary>Runs `embedded args…` to its end with <paramref name="environment"/> set: exit code and what it printed.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        await using var cli = Start(environment, args);
        var code = await cli.WaitForExitAsync().ConfigureAwait(false);
        return (code, cli.Stdout, cli.Stderr);
    }

    public void Signal(int signal)
    {
        if (Processes.Signal(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    private void OnLine(string? line, StringBuilder into)
    {
        if (line is null) return;
        lock (_gate)
        {
            into.AppendLine(line);
            foreach (var waiter in _waiters.Where(w => w.Match(line)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Found.TrySetResult(line);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
