using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Embedded.Server;

// A web app that hosts its own cluster: one line adds a master, two agents and the job scheduler.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddClusterOrchestration(cluster =>
{
    cluster.AddAgent("worker-1", "cpus:2;mem:2048;ports:[31000-31099]");
    cluster.AddAgent("worker-2", "cpus:2;mem:2048;ports:[31100-31199]");
});
var app = builder.Build();

// POST /jobs {"command": "echo hi", "resources": "cpus:0.5;mem:64"} runs a command and returns how it ended,
// also when the app stops meanwhile: the cluster kills the job at once and the caller gets KILLED.
app.MapPost("/jobs", async (JobRequest request, IJobClient jobs, CancellationToken ct) =>
{
    if (string.IsNullOrWhiteSpace(request.Command)) return Results.BadRequest("command is required");
    if (!Resources.TryParse(request.Resources ?? "cpus:0.1;mem:32", out var resources, out var error)) return Results.BadRequest(error);
    var result = await jobs.RunAsync(new Job { Command = new CommandSpec(request.Command), Resources = resources, Retries = request.Retries }, ct);
    return Results.Ok(new
    {
        result.JobId, result.AgentId, State = result.State.ToString(), Reason = result.Reason.ToString(), result.Message,
        result.ExitCode, result.Stdout, result.Stderr,
    });
});

// The Mesos v1 HTTP APIs for this app's cluster: frameworks subscribe at POST /api/v1/scheduler,
// operators call POST /api/v1; GET /state is Mesos's /master/state, GET /health answers 200.
app.MapClusterApi();

// GET /cluster: the same snapshot in Embedded's own shape (ClusterState as JSON).
app.MapGet("/cluster", (IClusterClient cluster, CancellationToken ct) => cluster.GetStateAsync(ct));

app.Run();

internal sealed record JobRequest(string Command, string? Resources, int Retries = 0);
