using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Embedded.Cli.Http;

namespace Embedded.Cli.Commands;

/// <summary>`embedded run … -- CMD ARGS…`: one task on the cluster, like `docker run`; exits with the task's exit code.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var connection = CommonOptions.Connection();
        var image = new Option<string?>("--image", "-i") { Description = "Run in a Docker container of this image (on an agent with a Docker engine)" };
        var cpus = CommonOptions.Positive("--cpus", "CPUs the task needs", 0.1);
        var mem = CommonOptions.Positive("--mem", "Memory the task needs, in MB", 32);
        var constraints = new Option<string[]>("--constraint", "-c")
        {
            Description = "Run only on an agent whose attribute has this value (attr=value); repeatable",
            AllowMultipleArgumentsPerToken = false,
        };
        var name = new Option<string?>("--name") { Description = "The task's name (default: the program's)" };
        var command = new Argument<string[]>("command")
        {
            Description = "What to run, after `--`. Several words run as a program with its arguments (no shell); a single word or quoted line runs in `sh -c`",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var run = new Command("run", "Run one task on the cluster: print its state changes and exit with its exit code")
        {
            image, cpus, mem, constraints, name, command,
        };
        connection.AddTo(run);
        run.Validators.Add(r =>
        {
            var argv = r.GetValue(command) ?? [];
            if (argv.Length == 0 && r.GetValue(image) is null) r.AddError("give a command after `--` (or an --image to run its default command)");
            foreach (var c in r.GetValue(constraints) ?? [])
                if (c.IndexOf('=', StringComparison.Ordinal) <= 0) r.AddError($"--constraint {c}: expected attr=value");
        });
        run.SetAction((parse, cancellationToken) => Guard.RunAsync(async () =>
        {
            var argv = parse.GetValue(command) ?? [];
            var request = new TaskRequest(
                Name: parse.GetValue(name) ?? (argv.Length > 0 ? Path.GetFileName(argv[0].Split(' ')[0]) : parse.GetValue(image)!),
                Argv: argv,
                Image: parse.GetValue(image),
                Cpus: parse.GetValue(cpus),
                Mem: parse.GetValue(mem),
                Constraints: (parse.GetValue(constraints) ?? []).Select(c => c.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal));
            using var client = connection.Connect(parse);
            // Ctrl-C or SIGTERM: tear the framework down, which kills the task, before exiting.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop(stop));
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop(stop));
            // On a terminal, a live status line under the same lines; in a pipe, the plain lines only.
            if (LiveRunDisplay.Supported)
                return await LiveRunDisplay.RunAsync(display => new OneTaskFramework(client, request, display).RunAsync(stop.Token)).ConfigureAwait(false);
            return await new OneTaskFramework(client, request, new RunDisplay(Console.Out, Console.Error)).RunAsync(stop.Token).ConfigureAwait(false);
        }));
        return run;
    }

    private static Action<PosixSignalContext> Stop(CancellationTokenSource stop) => context =>
    {
        context.Cancel = true;
        stop.Cancel();
    };
}

/// <summary>The task `embedded run` asks for.</summary>
internal sealed record TaskRequest(string Name, IReadOnlyList<string> Argv, string? Image, double Cpus, double Mem, IReadOnlyDictionary<string, string> Constraints)
{
    public string Describe() =>
        string.Join(", ", new[] { $"cpus {Cpus.ToString(CultureInfo.InvariantCulture)}", $"mem {Mem.ToString(CultureInfo.InvariantCulture)} MB" }
            .Concat(Constraints.Select(c => $"{c.Key}={c.Value}"))
            .Concat(Image is null ? ["no Docker"] : ["a Docker engine"]));
}
