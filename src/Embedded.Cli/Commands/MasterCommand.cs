using System.CommandLine;
using Microsoft.Extensions.Hosting;

namespace Embedded.Cli.Commands;

/// <summary>`embedded master`: a master and the HTTP API with no agents of its own; agents join it with `embedded agent`.</summary>
internal static class MasterCommand
{
    public static Command Create()
    {
        var server = new ApiServerOptions("master");
        var workDir = new Option<string?>("--work-dir")
        {
            Description = "Where the master keeps its registry, so that a restarted master expects its agents and frameworks back (Mesos's --work_dir); none: it starts empty",
        };
        var pingTimeout = CommonOptions.Positive("--agent-ping-timeout", "Seconds between the heartbeats agents must send (Mesos's --agent_ping_timeout)", 15);
        var maxPings = new Option<int>("--max-agent-ping-timeouts")
        {
            Description = "Heartbeats an agent may miss before it is unreachable and its tasks are reported so (Mesos's --max_agent_ping_timeouts)",
            DefaultValueFactory = _ => 5,
        };
        maxPings.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError("--max-agent-ping-timeouts must be at least 1");
        });
        var reregistrationTimeout = CommonOptions.Positive("--agent-reregistration-timeout",
            "Seconds an unreachable agent may stay away before the master removes it and its tasks are gone; it then registers anew (Mesos's --agent_reregister_timeout)", 600);
        var command = new Command("master", "Start a master and the Mesos v1 HTTP API without agents of its own: agents join it with `embedded agent --master URL`; runs until Ctrl-C or SIGTERM")
        {
            workDir, pingTimeout, maxPings,
        };
        command.Options.Add(reregistrationTimeout);
        server.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await server.RefuseUnsafeAsync(parse).ConfigureAwait(false) is { } refused) return refused;
            await using var app = await server.StartAsync(parse, cluster =>
            {
                cluster.DefaultAgent = false;
                cluster.Master.WorkDirectory = parse.GetValue(workDir);
                cluster.Master.AgentReregistrationTimeout = TimeSpan.FromSeconds(parse.GetValue(reregistrationTimeout));
                cluster.Master.AgentHeartbeatInterval = TimeSpan.FromSeconds(parse.GetValue(pingTimeout));
                cluster.Master.MaxMissedHeartbeats = parse.GetValue(maxPings);
            }, cancellationToken).ConfigureAwait(false);
            if (app is null) return 2;
            Console.WriteLine($"Embedded master at {parse.GetValue(server.Listen)!.GetLeftPart(UriPartial.Authority)}: agents join with `embedded agent --master URL`; Ctrl-C stops it");
            Console.WriteLine($"Dashboard: {parse.GetValue(server.Listen)!.GetLeftPart(UriPartial.Authority)}/");
            await app.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
            Console.WriteLine("Embedded master stopped");
            return 0;
        });
        return command;
    }
}
