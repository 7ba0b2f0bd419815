using System.CommandLine;
using Embedded.Orchestration.Docker;
using Microsoft.Extensions.Hosting;

namespace Embedded.Cli.Commands;

/// <summary>`embedded dev`: a master, local agents and the HTTP API in this process, until Ctrl-C or SIGTERM.</summary>
internal static class DevCommand
{
    public static Command Create()
    {
        var server = new ApiServerOptions("dev");
        var agents = new Option<int>("--agents", "-a")
        {
            Description = "How many local agents run processes and in-process tasks (each offers this machine's cpus and memory)",
            DefaultValueFactory = _ => 3,
        };
        agents.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 100) r.AddError("--agents must be between 1 and 100");
        });
        var noDocker = new Option<bool>("--no-docker") { Description = "Do not add a Docker agent even when an engine answers" };

        var command = new Command("dev", "Start a master, local agents (and a Docker agent when an engine answers) and the Mesos v1 HTTP API; agents of other machines may join it too; runs until Ctrl-C or SIGTERM, then stops every task")
        {
            agents, noDocker,
        };
        server.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(server, parse, parse.GetValue(agents), parse.GetValue(noDocker), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ApiServerOptions server, ParseResult parse, int agentCount, bool noDocker, CancellationToken cancellationToken)
    {
        if (await server.RefuseUnsafeAsync(parse).ConfigureAwait(false) is { } refused) return refused;
        SelfWatchdog.UseWhenSingleFile();

        var whyNoDocker = noDocker ? "--no-docker" : await DockerEngineCheck.WhyNotAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        Console.WriteLine(whyNoDocker is null
            ? "Docker: an engine answers; agent docker runs containers"
            : $"Docker: not used ({whyNoDocker}); processes and in-process tasks only");

        await using var app = await server.StartAsync(parse, cluster =>
        {
            for (var i = 1; i <= agentCount; i++) cluster.AddAgent($"agent-{i}");
            if (whyNoDocker is null) cluster.AddAgent("docker").UseDocker();
        }, cancellationToken).ConfigureAwait(false);
        if (app is null) return 2;
        var listen = parse.GetValue(server.Listen)!;
        Console.WriteLine($"Embedded cluster at {listen.GetLeftPart(UriPartial.Authority)} ({agentCount} agent{(agentCount == 1 ? "" : "s")}{(whyNoDocker is null ? " + docker" : "")}); Ctrl-C stops it");
        Console.WriteLine($"Dashboard: {listen.GetLeftPart(UriPartial.Authority)}/");
        // The host's console lifetime turns Ctrl-C and SIGTERM into a graceful stop: agents kill their tasks first.
        await app.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
        Console.WriteLine("Embedded cluster stopped");
        return 0;
    }
}
