using System.Collections.Immutable;
using System.Text.Json;
using Embedded.Orchestration.Model;

namespace Embedded.Client;

/// <summary>scheduler.proto's Event back into our <see cref="SchedulerEvent"/> records.</summary>
internal static class MesosEventReader
{
    /// <summary>The event, or null for one we have no record for (inverse offers, operation updates), which is skipped.</summary>
    public static SchedulerEvent? Read(JsonElement e, ImmutableArray<TaskKind> taskKinds)
    {
        JsonElement Body(string name) => MesosJson.Get(e, name) ?? throw new InvalidDataException($"the master sent an event without '{name}'");
        switch (MesosJson.String(e, "type"))
        {
            case "SUBSCRIBED":
                var subscribed = Body("subscribed");
                return new SubscribedEvent(MesosJson.RequiredId(subscribed, "framework_id"),
                    TimeSpan.FromSeconds(MesosJson.Number(subscribed, "heartbeat_interval_seconds") ?? 15));
            case "OFFERS":
                return new OffersEvent([.. MesosJson.Items(Body("offers"), "offers").Select(o => Offer(o, taskKinds))]);
            case "RESCIND":
                return new RescindEvent(MesosJson.RequiredId(Body("rescind"), "offer_id"));
            case "UPDATE":
                return new UpdateEvent(MesosJson.Status(MesosJson.Get(Body("update"), "status") ?? throw new InvalidDataException("an update without a status")));
            case "MESSAGE":
                var message = Body("message");
                // Our tasks are their own executors: the executor id is the task id.
                return new MessageEvent(MesosJson.RequiredId(message, "agent_id"), MesosJson.RequiredId(message, "executor_id"),
                    Convert.FromBase64String(MesosJson.String(message, "data") ?? ""));
            case "FAILURE":
                var failure = Body("failure");
                return new FailureEvent(MesosJson.RequiredId(failure, "agent_id"), MesosJson.Id(failure, "executor_id"),
                    MesosJson.Number(failure, "status") is { } status ? (int)status : null);
            case "ERROR":
                return new ErrorEvent(MesosJson.String(Body("error"), "message") ?? "");
            case "HEARTBEAT":
                return new HeartbeatEvent();
            default:
                return null;
        }
    }

    /// <summary>mesos.proto's Offer, as in OFFERS and in the operator API's frameworks.</summary>
    public static Offer Offer(JsonElement o, ImmutableArray<TaskKind> taskKinds)
    {
        var (attributes, kinds) = TaskKindAttribute.Split(MesosJson.Attributes(o), taskKinds);
        return new(
            MesosJson.RequiredId(o, "id"),
            MesosJson.RequiredId(o, "framework_id"),
            MesosJson.RequiredId(o, "agent_id"),
            MesosJson.String(o, "hostname") ?? "",
            MesosJson.Resources(o, "resources"),
            attributes)
        {
            TaskKinds = kinds,
        };
    }
}
