using System.Collections.Immutable;
using System.Text.Json;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;

namespace Embedded.Server.Mesos;

/// <summary>
/// scheduler.proto's Call (other than SUBSCRIBE), read and checked in full before anything is sent
/// to the master, so a bad call changes nothing. The result runs the call on the framework's session.
/// </summary>
internal static class MesosCalls
{
    public static readonly ImmutableHashSet<string> Types =
        ["SUBSCRIBE", "TEARDOWN", "ACCEPT", "DECLINE", "ACCEPT_INVERSE_OFFERS", "DECLINE_INVERSE_OFFERS", "REVIVE", "KILL",
         "SHUTDOWN", "ACKNOWLEDGE", "ACKNOWLEDGE_OPERATION_STATUS", "RECONCILE", "RECONCILE_OPERATIONS", "MESSAGE", "REQUEST", "SUPPRESS", "UPDATE_FRAMEWORK"];

    public static SchedulerCall Read(string type, JsonElement call, int maxItems) => type switch
    {
        "ACCEPT" => Accept(Body(call, "accept"), maxItems),
        "DECLINE" => Decline(Body(call, "decline"), maxItems),
        "REVIVE" => new((s, ct) => s.ReviveAsync(ct)),
        "SUPPRESS" => new((s, ct) => s.SuppressAsync(ct)),
        "KILL" => Kill(Body(call, "kill")),
        "ACKNOWLEDGE" => Acknowledge(Body(call, "acknowledge")),
        "RECONCILE" => Reconcile(Json.Object(call, "reconcile"), maxItems),
        "MESSAGE" => Message(Body(call, "message")),
        "TEARDOWN" => new((s, ct) => s.TeardownAsync(ct)),
        // Inverse offers and operation feedback are never produced here: there is nothing to answer.
        "ACCEPT_INVERSE_OFFERS" or "DECLINE_INVERSE_OFFERS" or "RECONCILE_OPERATIONS" => new((_, _) => Task.CompletedTask),
        _ => throw CallException.BadRequest($"{type} calls are not supported"),
    };

    private static JsonElement Body(JsonElement call, string name) =>
        Json.Object(call, name) ?? throw CallException.BadRequest($"Expecting '{name}' to be present");

    private static ImmutableArray<string> OfferIds(JsonElement body, int maxItems)
    {
        var ids = Json.Items(body, "offer_ids", maxItems)
            .Select(o => Json.OptionalString(o, "value") is { Length: > 0 } v ? v : throw CallException.BadRequest("an offer id has no value"))
            .ToImmutableArray();
        return ids;
    }

    private static Filters? ReadFilters(JsonElement body)
    {
        if (Json.Object(body, "filters") is not { } f) return null;
        var refuse = Json.Number(f, "refuse_seconds") ?? Filters.DefaultRefuseSeconds;
        if (refuse < 0) throw CallException.BadRequest("filters.refuse_seconds cannot be negative");
        return new Filters(refuse);
    }

    private static SchedulerCall Accept(JsonElement body, int maxItems)
    {
        var offers = OfferIds(body, maxItems);
        var operations = new List<OfferOperation>();
        foreach (var op in Json.Items(body, "operations", maxItems))
        {
            var type = Json.OptionalString(op, "type");
            if (type != "LAUNCH") throw CallException.BadRequest($"offer operation {type ?? "(none)"} is not supported; only LAUNCH is");
            var launch = Json.Object(op, "launch") ?? throw CallException.BadRequest("Expecting 'launch' to be present");
            operations.Add(new LaunchOperation([.. Json.Items(launch, "task_infos", maxItems).Select(t => MesosTaskInfos.Read(t, maxItems))]));
        }
        var filters = ReadFilters(body);
        var agents = operations.OfType<LaunchOperation>().SelectMany(l => l.Tasks).Select(t => (t.TaskId, t.AgentId)).ToImmutableArray();
        return new((s, ct) => s.AcceptAsync(offers, operations, filters, ct), agents);
    }

    private static SchedulerCall Decline(JsonElement body, int maxItems)
    {
        var offers = OfferIds(body, maxItems);
        var filters = ReadFilters(body);
        return new((s, ct) => s.DeclineAsync(offers, filters, ct));
    }

    private static SchedulerCall Kill(JsonElement body)
    {
        var task = Json.RequiredId(body, "task_id", "kill");
        var grace = Json.Object(body, "kill_policy") is { } kp ? Json.Duration(kp, "grace_period") : null;
        var agent = Json.OptionalId(body, "agent_id");
        return new((s, ct) => s.KillAsync(task, grace, ct), agent is null ? [] : [(task, agent)]);
    }

    private static SchedulerCall Acknowledge(JsonElement body)
    {
        var agent = Json.RequiredId(body, "agent_id", "acknowledge");
        var task = Json.RequiredId(body, "task_id", "acknowledge");
        var uuid = MesosStatuses.ReadUuid(Json.Bytes(body, "uuid") ?? throw CallException.BadRequest("acknowledge has no 'uuid'"));
        // The session acknowledges by these three fields; the rest of the status is not needed.
        var status = new StatusUpdate(task, TaskState.Running, TaskReason.None, StatusSource.Executor, "", default) { AgentId = agent, Uuid = uuid };
        return new((s, ct) => s.AcknowledgeAsync(status, ct));
    }

    private static SchedulerCall Reconcile(JsonElement? body, int maxItems)
    {
        var tasks = body is { } b
            ? Json.Items(b, "tasks", maxItems).Select(t => (Task: Json.RequiredId(t, "task_id", "a reconcile task"), Agent: Json.OptionalId(t, "agent_id"))).ToImmutableArray()
            : [];
        var ids = tasks.Select(t => t.Task).ToImmutableArray();
        var agents = tasks.Where(t => t.Agent is not null).Select(t => (t.Task, t.Agent!)).ToImmutableArray();
        return new((s, ct) => s.ReconcileAsync(ids.IsEmpty ? null : ids, ct), agents);
    }

    private static SchedulerCall Message(JsonElement body)
    {
        var agent = Json.RequiredId(body, "agent_id", "message");
        var executor = Json.RequiredId(body, "executor_id", "message");
        var data = Json.Bytes(body, "data") ?? throw CallException.BadRequest("message has no 'data'");
        return new((s, ct) => s.MessageAsync(agent, executor, data, ct));
    }
}
