using System.Diagnostics;
using System.Net.Http.Json;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Tests.Hosting;

/// <summary>
/// What a new user sees: samples/WebApp as a real ASP.NET process, a job in flight, then SIGTERM.
/// The request gets its job's KILLED result, the app exits 0, and the job's process is gone.
/// </summary>
public sealed partial class WebAppShutdownTests(ITestOutputHelper output)
{
    // Generous bounds for a shared, loaded machine: they guard against hangs and are no timing assertions.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static string WebAppAssembly => typeof(WebAppShutdownTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "WebAppAssembly").Value!;

    [LinuxFact]
    public async Task Sigterm_kills_the_job_in_flight_answers_its_caller_with_KILLED_and_exits_0()
    {
        File.Exists(WebAppAssembly).Should().BeTrue($"the test project builds samples/WebApp first ({WebAppAssembly})");
        // Every process the app starts inherits this, so the test finds exactly its own tasks in /proc.
        var marker = $"EMBEDDED_WEBAPP_TEST={Guid.NewGuid():N}";
        var port = LoopbackPort.Free();
        var console = new StringBuilder();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var start = new ProcessStartInfo(Processes.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[WebAppAssembly, "--urls", $"http://127.0.0.1:{port}"]) start.ArgumentList.Add(argument);
        start.Environment[marker.Split('=')[0]] = marker.Split('=')[1];
        start.Environment["Logging__Console__FormatterName"] = "simple";
        using var app = new Process { StartInfo = start };
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (console) console.AppendLine(line);
            if (line.Contains("Application started", StringComparison.Ordinal)) started.TrySetResult();
        }
        app.OutputDataReceived += (_, e) => OnLine(e.Data);
        app.ErrorDataReceived += (_, e) => OnLine(e.Data);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Bound };
        try
        {
            app.Start();
            app.BeginOutputReadLine();
            app.BeginErrorReadLine();
            await started.Task.WaitAsync(Bound);

            var request = http.PostAsJsonAsync("/jobs", new { command = "sleep 600" });
            var sleeper = await WaitForAsync(() => FindTasks(marker).FirstOrDefault(), pid => pid != 0);

            var stopping = Stopwatch.StartNew();
            Processes.Signal(app.Id, SigTerm).Should().Be(0);

            using var response = await request.WaitAsync(Bound);
            var body = await response.Content.ReadAsStringAsync();
            output.WriteLine(body);
            response.IsSuccessStatusCode.Should().BeTrue(body);
            using var result = JsonDocument.Parse(body);
            result.RootElement.GetProperty("state").GetString().Should().Be("Killed", "the cluster killed the job as the app stopped");
            await app.WaitForExitAsync().WaitAsync(Bound);
            app.WaitForExit(); // Drains the redirected output.
            output.WriteLine($"SIGTERM to exit: {stopping.ElapsedMilliseconds} ms (not asserted)");
            app.ExitCode.Should().Be(0, "a clean stop is no failure");
            IsAlive(sleeper).Should().BeFalse("the agents killed the job as the app stopped");
            FindTasks(marker).Should().BeEmpty("nothing the app started outlives it");
            string text;
            lock (console) text = console.ToString();
            text.Should().NotContain("Unhandled exception").And.NotContain("failed to stop");
            text.Split('\n').Select(l => l.Trim()).Should().NotContain("Terminated", "no task's shell reaches the host's console");
        }
        finally
        {
            if (!HasExited(app)) app.Kill(entireProcessTree: true);
            foreach (var pid in FindTasks(marker)) Processes.Signal(pid, SigKill);
            lock (console) output.WriteLine(console.ToString());
        }
    }

    private static bool HasExited(Process process)
    {
        try
        {
            return process.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true; // Never started.
        }
    }

    /// <summary>
    /// Whether the process still runs. A killed task's grandchild may linger as a zombie until init,
    /// its new parent, reaps it: dead, though still in /proc.
    /// </summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Polls an observation of another process (nothing signals it to us) until it holds, within the bound.</summary>
    private static async Task<T> WaitForAsync<T>(Func<T> observe, Func<T, bool> holds)
    {
        using var bound = new CancellationTokenSource(Bound);
        while (true)
        {
            var value = observe();
            if (holds(value)) return value;
            await Task.Delay(TimeSpan.FromMilliseconds(20), bound.Token);
        }
    }

    /// <summary>The `sleep 600` processes whose environment carries the marker: this test's tasks and nobody else's.</summary>
    private static List<int> FindTasks(string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")) != "sleep\0600\0") continue;
                if (File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Contains(marker)) found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }
        return found;
    }

    private const int SigTerm = 15;
    private const int SigKill = 9;
}
