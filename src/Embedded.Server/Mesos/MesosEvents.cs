using System.Buffers;
using System.Text.Json;
using Embedded.Orchestration.Model;

namespace Embedded.Server.Mesos;

/// <summary>Our scheduler events as scheduler.proto's Event: <c>{"type": "OFFERS", "offers": {"offers": [...]}}</c>.</summary>
internal static class MesosEvents
{
    public static void Write(IBufferWriter<byte> buffer, SchedulerEvent e, string role, AgentUrl url, MasterInfo master)
    {
        using var json = new Utf8JsonWriter(buffer);
        json.WriteStartObject();
        switch (e)
        {
            case SubscribedEvent s:
                json.WriteString("type", "SUBSCRIBED");
                json.WriteStartObject("subscribed");
                Json.WriteId(json, "framework_id", s.FrameworkId);
                json.WriteNumber("heartbeat_interval_seconds", s.HeartbeatInterval.TotalSeconds);
                master.Write(json, "master_info");
                json.WriteEndObject();
                break;
            case OffersEvent o:
                json.WriteString("type", "OFFERS");
                json.WriteStartObject("offers");
                json.WriteStartArray("offers");
                foreach (var offer in o.Offers) MesosOffers.Write(json, offer, role, url);
                json.WriteEndArray();
                json.WriteEndObject();
                break;
            case RescindEvent r:
                json.WriteString("type", "RESCIND");
                json.WriteStartObject("rescind");
                Json.WriteId(json, "offer_id", r.OfferId);
                json.WriteEndObject();
                break;
            case UpdateEvent u:
                json.WriteString("type", "UPDATE");
                json.WriteStartObject("update");
                MesosStatuses.Write(json, u.Status, "status");
                json.WriteEndObject();
                break;
            case MessageEvent m:
                json.WriteString("type", "MESSAGE");
                json.WriteStartObject("message");
                Json.WriteId(json, "agent_id", m.AgentId);
                // Our in-process tasks are their own executors: the task id stands for the executor id.
                Json.WriteId(json, "executor_id", m.TaskId);
                json.WriteBase64String("data", m.Data.Span);
                json.WriteEndObject();
                break;
            case FailureEvent f:
                json.WriteString("type", "FAILURE");
                json.WriteStartObject("failure");
                Json.WriteId(json, "agent_id", f.AgentId);
                if (f.TaskId is { } task) Json.WriteId(json, "executor_id", task);
                if (f.ExitStatus is { } status) json.WriteNumber("status", status);
                json.WriteEndObject();
                break;
            case ErrorEvent err:
                json.WriteString("type", "ERROR");
                json.WriteStartObject("error");
                json.WriteString("message", err.Message);
                json.WriteEndObject();
                break;
            default:
                json.WriteString("type", "HEARTBEAT");
                break;
        }
        json.WriteEndObject();
    }
}
