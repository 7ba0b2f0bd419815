using System.CommandLine;
using Embedded.Orchestration.Hosting;
using Embedded.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Embedded.Cli.Commands;

/// <summary>What `dev` and `master` share: where the HTTP API listens, who may call it, and how they log.</summary>
internal sealed class ApiServerOptions
{
    private readonly string _command;

    public ApiServerOptions(string command)
    {
        _command = command;
        Listen = CommonOptions.Url("--listen", "-l", "Where the HTTP API listens, for frameworks, operators and agents (a non-loopback address needs --credentials or --insecure)");
    }

    public Option<Uri> Listen { get; }

    public Option<string?> Credentials { get; } = new("--credentials")
    {
        Description = "A credentials file (Mesos's JSON or \"principal secret\" lines): every call must then authenticate with HTTP Basic",
    };

    public Option<string[]> Operators { get; } = new("--operator")
    {
        Description = "A principal of the credentials file that may make operator calls (state, jobs, kill); repeat for more",
    };

    public Option<string[]> AgentPrincipals { get; } = new("--agent-principal")
    {
        Description = "A principal of the credentials file that may connect agents (`embedded agent --credential`); repeat for more",
    };

    public Option<bool> Insecure { get; } = new("--insecure")
    {
        Description = "Listen on a non-loopback address without authentication (anyone who reaches it can run commands here)",
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "Log the cluster's information messages too" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Listen, Credentials, Operators, AgentPrincipals, Insecure, Verbose }) command.Options.Add(option);
    }

    /// <summary>Refuses (exit code 2, with why) to serve a non-loopback address without authentication unless --insecure; null when it may go on.</summary>
    public async Task<int?> RefuseUnsafeAsync(ParseResult parse)
    {
        var listen = parse.GetValue(Listen)!;
        var credentials = parse.GetValue(Credentials);
        var loopback = ClusterApiListening.IsLoopback(listen.ToString());
        if (!loopback && credentials is null && !parse.GetValue(Insecure))
        {
            await Console.Error.WriteLineAsync(
                $"embedded {_command}: refusing to listen on {listen}: it is not a loopback address, and without --credentials the API has no authentication, " +
                "so anyone who can reach it could run commands on this machine. Listen on 127.0.0.1 (the default), give --credentials FILE, or pass --insecure to accept that.").ConfigureAwait(false);
            return 2;
        }
        if (!loopback && credentials is null)
            await Console.Error.WriteLineAsync($"embedded {_command}: warning: serving {listen} without authentication (--insecure): anyone who reaches it can run commands here").ConfigureAwait(false);
        return null;
    }

    /// <summary>A web app serving a cluster configured by <paramref name="cluster"/> over the API, as the options say.</summary>
    public WebApplication Build(ParseResult parse, Action<ClusterOptions> cluster)
    {
        var listen = parse.GetValue(Listen)!;
        var credentials = parse.GetValue(Credentials);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(listen.GetLeftPart(UriPartial.Authority));
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(parse.GetValue(Verbose) ? LogLevel.Information : LogLevel.Warning);
        builder.Services.AddClusterOrchestration(cluster);
        var app = builder.Build();
        app.MapClusterApi(o =>
        {
            o.Authentication.CredentialsFile = credentials;
            foreach (var principal in parse.GetValue(Operators) ?? []) o.Authentication.OperatorPrincipals.Add(principal);
            foreach (var principal in parse.GetValue(AgentPrincipals) ?? []) o.Authentication.AgentPrincipals.Add(principal);
            o.Authentication.AllowAnonymousRemoteCalls = parse.GetValue(Insecure) && credentials is null;
        });
        app.MapClusterDashboard();
        return app;
    }
}
