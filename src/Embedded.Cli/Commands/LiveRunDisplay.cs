using System.Text;
using Spectre.Console;

namespace Embedded.Cli.Commands;

/// <summary>
/// `embedded run` on a terminal: the same lines as in a pipe, with the task's output streaming above a
/// Spectre.Console spinner that says what the task does now and for how long ("RUNNING on agent agent-1 for 3s").
/// Everything goes through the one console so that the status line is redrawn below what is printed.
/// </summary>
internal sealed class LiveRunDisplay : RunDisplay, IDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private readonly StatusContext _status;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private string _doing = "starting";
    private long _since;
    private bool _cleared;

    private LiveRunDisplay(IAnsiConsole console, StatusContext status, TimeProvider time, bool stderrToo)
        : base(new ConsoleLineWriter(console), stderrToo ? new ConsoleLineWriter(console) : Console.Error)
    {
        _status = status;
        _time = time;
        _since = time.GetTimestamp();
        _timer = time.CreateTimer(_ => Update(refresh: false), null, Tick, Tick);
    }

    /// <summary>Whether the command's output is a terminal that can redraw a line (not a pipe, a file, a test's reader or a dumb terminal).</summary>
    public static bool Supported => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities is { Ansi: true, Interactive: true };

    /// <summary>Runs <paramref name="run"/> under a live status line, which is gone once it returns.</summary>
    public static Task<int> RunAsync(Func<RunDisplay, Task<int>> run, TimeProvider? time = null) =>
        AnsiConsole.Status().Spinner(Spinner.Known.Dots).SpinnerStyle(Style.Parse("blue")).StartAsync("starting", async context =>
        {
            using var display = new LiveRunDisplay(AnsiConsole.Console, context, time ?? TimeProvider.System, stderrToo: !Console.IsErrorRedirected);
            try
            {
                return await run(display).ConfigureAwait(false);
            }
            finally
            {
                (display.Out as ConsoleLineWriter)?.End();
                (display.Error as ConsoleLineWriter)?.End();
            }
        });

    public override void Show(string doing)
    {
        lock (_gate)
        {
            if (_cleared || doing == _doing) return; // the same state again (a health update) keeps its time
            _doing = doing;
            _since = _time.GetTimestamp();
        }
        Update(refresh: true);
    }

    /// <summary>The status line stays as it was until it is gone with the run (the framework's teardown is quick).</summary>
    public override void Clear()
    {
        lock (_gate) _cleared = true;
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => _timer.Dispose();

    private void Update(bool refresh)
    {
        string text;
        lock (_gate)
        {
            if (_cleared) return;
            text = $"{Markup.Escape(_doing)} [grey]for {Elapsed(_time.GetElapsedTime(_since))}[/]";
        }
        _status.Status = text;
        if (refresh) _status.Refresh();
    }

    internal static string Elapsed(TimeSpan elapsed) => elapsed.TotalHours >= 1
        ? $"{(int)elapsed.TotalHours}h {elapsed.Minutes:00}m"
        : elapsed.TotalMinutes >= 1 ? $"{(int)elapsed.TotalMinutes}m {elapsed.Seconds:00}s" : $"{(int)elapsed.TotalSeconds}s";

    /// <summary>
    /// Writes whole lines to the console as they are (never as markup), holding back a line until it ends so that the
    /// status line is not drawn in its middle (a flush keeps it waiting too); what is left is written at the end.
    /// </summary>
    private sealed class ConsoleLineWriter(IAnsiConsole console) : TextWriter
    {
        private readonly StringBuilder _line = new();
        private readonly Lock _gate = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => Write(value.ToString());

        public override void Write(string? value)
        {
            if (string.IsNullOrEmpty(value)) return;
            lock (_gate)
            {
                var start = 0;
                for (var end = value.IndexOf('\n', start); end >= 0; end = value.IndexOf('\n', start))
                {
                    _line.Append(value, start, end - start);
                    WriteLineLocked();
                    start = end + 1;
                }
                _line.Append(value, start, value.Length - start);
            }
        }

        public override void WriteLine(string? value) => Write((value ?? "") + "\n");

        public override void WriteLine() => Write("\n");

        /// <summary>Writes a line the task did not end.</summary>
        public void End()
        {
            lock (_gate)
                if (_line.Length > 0) WriteLineLocked();
        }

        private void WriteLineLocked()
        {
            if (_line.Length > 0 && _line[^1] == '\r') _line.Length--;
            // As written, not as a Text that the console would wrap at its width: the terminal wraps it, and a copied line stays whole.
            console.Write(new ControlCode(_line.Append('\n').ToString()));
            _line.Clear();
        }
    }
}
