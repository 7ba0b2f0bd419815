using System.Diagnostics;

namespace Embedded.Testing;

/// <summary>Runs the helper programs tests need (openssl, htpasswd, kill, …) to their end.</summary>
public static partial class Processes
{
    /// <summary>The dotnet host that runs this test, to start the project's own programs (`dotnet x.dll`) with the same runtime.</summary>
    public static string DotnetHost =>
        Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : "dotnet";

    /// <summary>kill(2): sends <paramref name="signal"/> to a process (a negative pid: its group); 0 on success.</summary>
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Signal(int pid, int signal);

    public static Task<string> RunAsync(string program, params string[] arguments) => RunAsync(program, arguments, CancellationToken.None);

    /// <summary>
    /// Runs <paramref name="program"/> and returns what it wrote to stdout; throws with its output when
    /// it exits non-zero. A cancelled token kills its whole tree, so nothing is left behind.
    /// </summary>
    public static async Task<string> RunAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with code {process.ExitCode}: {await errors}{await output}");
        return await output;
    }
}
