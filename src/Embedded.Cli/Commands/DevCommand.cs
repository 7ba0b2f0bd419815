using System.CommandLine;
using Embedded.Orchestration.Docker;
using Embedded.Orchestration.Lease;
using Embedded.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Embedded.Cli.Commands;

/// <summary>`embedded dev`: a master, local agents and the HTTP API in this process, until Ctrl-C or SIGTERM.</summary>
internal static class DevCommand
{
    public static Command Create()
    {
        var listen = CommonOptions.Url("--listen", "-l", "Where the HTTP API listens (a non-loopback address needs --credentials or --insecure)");
        var credentials = new Option<string?>("--credentials")
        {
            Description = "A credentials file (Mesos's JSON or \"principal secret\" lines): every call must then authenticate with HTTP Basic",
        };
        var operators = new Option<string[]>("--operator")
        {
            Description = "A principal of the credentials file that may make operator calls (state, jobs, kill); repeat for more",
        };
        var agents = new Option<int>("--agents", "-a")
        {
            Description = "How many local agents run processes and in-process tasks (each offers this machine's cpus and memory)",
            DefaultValueFactory = _ => 3,
        };
        agents.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 100) r.AddError("--agents must be between 1 and 100");
        });
        var insecure = new Option<bool>("--insecure")
        {
            Description = "Listen on a non-loopback address without authentication (anyone who reaches it can run commands here)",
        };
        var noDocker = new Option<bool>("--no-docker") { Description = "Do not add a Docker agent even when an engine answers" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log the cluster's information messages too" };

        var command = new Command("dev", "Start a master, local agents (and a Docker agent when an engine answers) and the Mesos v1 HTTP API; runs until Ctrl-C or SIGTERM, then stops every task")
        {
            listen, agents, credentials, operators, insecure, noDocker, verbose,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(listen)!, parse.GetValue(agents), parse.GetValue(credentials), parse.GetValue(operators) ?? [], parse.GetValue(insecure),
            parse.GetValue(noDocker), parse.GetValue(verbose), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        Uri listen, int agentCount, string? credentials, string[] operators, bool insecure, bool noDocker, bool verbose, CancellationToken cancellationToken)
    {
        var loopback = ClusterApiListening.IsLoopback(listen.ToString());
        if (!loopback && credentials is null && !insecure)
        {
            await Console.Error.WriteLineAsync(
                $"embedded dev: refusing to listen on {listen}: it is not a loopback address, and without --credentials the API has no authentication, " +
                "so anyone who can reach it could run commands on this machine. Listen on 127.0.0.1 (the default), give --credentials FILE, or pass --insecure to accept that.").ConfigureAwait(false);
            return 2;
        }
        if (!loopback && credentials is null)
            await Console.Error.WriteLineAsync($"embedded dev: warning: serving {listen} without authentication (--insecure): anyone who reaches it can run commands here").ConfigureAwait(false);

        UseSelfAsWatchdogWhenSingleFile();

        var whyNoDocker = noDocker ? "--no-docker" : await DockerEngineCheck.WhyNotAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        Console.WriteLine(whyNoDocker is null
            ? "Docker: an engine answers; agent docker runs containers"
            : $"Docker: not used ({whyNoDocker}); processes and in-process tasks only");

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(listen.GetLeftPart(UriPartial.Authority));
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning);
        builder.Services.AddClusterOrchestration(cluster =>
        {
            for (var i = 1; i <= agentCount; i++) cluster.AddAgent($"agent-{i}");
            if (whyNoDocker is null) cluster.AddAgent("docker").UseDocker();
        });
        await using var app = builder.Build();
        app.MapClusterApi(o =>
        {
            o.Authentication.CredentialsFile = credentials;
            foreach (var principal in operators) o.Authentication.OperatorPrincipals.Add(principal);
            o.Authentication.AllowAnonymousRemoteCalls = insecure && credentials is null;
        });

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        Console.WriteLine($"Embedded cluster at {listen.GetLeftPart(UriPartial.Authority)} ({agentCount} agent{(agentCount == 1 ? "" : "s")}{(whyNoDocker is null ? " + docker" : "")}); Ctrl-C stops it");
        // The host's console lifetime turns Ctrl-C and SIGTERM into a graceful stop: agents kill their tasks first.
        await app.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
        Console.WriteLine("Embedded cluster stopped");
        return 0;
    }

    /// <summary>
    /// A single-file build has no Embedded.Watchdog.dll beside it (nor a dotnet host) to start the watchdog
    /// with: it starts itself as `embedded watchdog` instead (see Program.cs).
    /// </summary>
    private static void UseSelfAsWatchdogWhenSingleFile()
    {
        if (WatchdogCommand.Override is not null) return;
        var dll = Path.Combine(AppContext.BaseDirectory, "Embedded.Watchdog.dll");
        if (!File.Exists(dll) && Environment.ProcessPath is { } self) WatchdogCommand.Override = new WatchdogCommand(self, ["watchdog"]);
    }
}
