using System.Text.Json;
using Embedded.Orchestration.Scheduling;
using Embedded.Server.Mesos;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Embedded.Server.Operator;

/// <summary>
/// <c>KILL_TASK</c>, Embedded's extension of the operator API (Mesos has no operator kill):
/// <c>{"type":"KILL_TASK","kill_task":{"task_id":{"value":"t"},"framework_id":{"value":"f"},"grace_period_seconds":5}}</c>,
/// the last two optional. Answered 202 once the agent is told; 404 for no such active task, 400 when the id
/// is ambiguous (several frameworks use it) and 503 when the task's agent cannot be reached now.
/// </summary>
internal sealed record KillTaskCall(string TaskId, string? FrameworkId, TimeSpan? GracePeriod)
{
    public const string Type = "KILL_TASK";

    public static KillTaskCall Read(JsonElement call)
    {
        var body = Json.Object(call, "kill_task") ?? throw CallException.BadRequest("Expecting 'kill_task' to be present");
        var taskId = Json.RequiredId(body, "task_id", "kill_task");
        var frameworkId = Json.OptionalId(body, "framework_id") is { Length: > 0 } f ? f : null;
        TimeSpan? grace = Json.Number(body, "grace_period_seconds") switch
        {
            null => null,
            < 0 => throw CallException.BadRequest("'grace_period_seconds' cannot be negative"),
            > 365 * 24 * 3600 => throw CallException.BadRequest("'grace_period_seconds' must be at most a year"),
            var seconds => TimeSpan.FromSeconds(seconds.Value),
        };
        return new KillTaskCall(taskId, frameworkId, grace);
    }

    /// <summary>Makes the kill and answers it; <paramref name="principal"/> (null without authentication) is logged with the outcome.</summary>
    public async Task AnswerAsync(HttpContext context, IClusterClient cluster, string? principal, ILogger logger)
    {
        var result = await cluster.KillTaskAsync(TaskId, FrameworkId, GracePeriod, context.RequestAborted).ConfigureAwait(false);
        Log.OperatorKill(logger, TaskId, principal ?? "an unauthenticated caller", result.Outcome);
        switch (result.Outcome)
        {
            case TaskKillOutcome.Killing:
                context.Response.StatusCode = StatusCodes.Status202Accepted;
                break;
            case TaskKillOutcome.NotFound:
                throw new CallException(StatusCodes.Status404NotFound, result.Message);
            case TaskKillOutcome.Ambiguous:
                throw CallException.BadRequest(result.Message);
            default:
                throw new CallException(StatusCodes.Status503ServiceUnavailable, result.Message);
        }
    }
}
