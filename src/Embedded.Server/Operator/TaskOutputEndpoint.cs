using Embedded.Orchestration.Scheduling;
using Embedded.Server.Http;
using Embedded.Server.Mesos;
using Embedded.Server.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Embedded.Server.Operator;

/// <summary>
/// <c>GET /api/v1/agents/{agent}/frameworks/{framework}/tasks/{task}/output</c>: what a task has written so
/// far (the tail its agent keeps), as <c>{"stdout":"…","stderr":"…"}</c>; 404 when the agent does not know
/// the task. Not Mesos's (its agents serve sandbox files at <c>/files/read</c>): the smallest read `embedded run`
/// needs to stream a task's output.
/// </summary>
internal static class TaskOutputEndpoint
{
    public const string Route = "/api/v1/agents/{agent}/frameworks/{framework}/tasks/{task}/output";

    public static async Task HandleAsync(HttpContext context, IClusterClient cluster, Authenticator authenticator, FrameworkOwners owners, ILogger logger)
    {
        var values = context.Request.RouteValues;
        var (agent, framework, task) = ((string)values["agent"]!, (string)values["framework"]!, (string)values["task"]!);
        try
        {
            // With authentication on, a task's output is its framework's principal's to read, or an operator's.
            var principal = authenticator.Authenticate(context);
            if (authenticator.Enabled && !authenticator.IsOperator(principal)) owners.Require(framework, principal!, mustBeKnown: true);
        }
        catch (CallException e)
        {
            Log.Refused(logger, context.Request.Path, e.StatusCode, e.Message);
            await ApiRequest.WriteErrorAsync(context, e.StatusCode, e.Message).ConfigureAwait(false);
            return;
        }
        var output = await cluster.ReadOutputAsync(agent, framework, task, context.RequestAborted).ConfigureAwait(false);
        if (output is null)
        {
            await ApiRequest.WriteErrorAsync(context, StatusCodes.Status404NotFound, $"agent {agent} knows no task {task} of framework {framework}").ConfigureAwait(false);
            return;
        }
        await ApiRequest.WriteJsonAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteString("stdout", output.Stdout);
            json.WriteString("stderr", output.Stderr);
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }
}
