using System.Buffers;
using System.Text.Json;
using Embedded.Orchestration.Scheduling;
using Embedded.Server.Http;
using Embedded.Server.Mesos;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Embedded.Server.Operator;

/// <summary>
/// The operator API's SUBSCRIBE: a RecordIO stream of master.proto Events, SUBSCRIBED (with the
/// whole state) first, then TASK_ADDED, TASK_UPDATED, AGENT_ADDED, AGENT_REMOVED and
/// FRAMEWORK_ADDED/UPDATED/REMOVED as the master makes them. The cluster's watch buffers what the
/// client has not read yet, bounded: a client that stops reading is cut off there, and the stream ends.
/// </summary>
internal static class OperatorSubscription
{
    private const int HeartbeatSeconds = 15;

    public static async Task StreamAsync(HttpContext context, IClusterClient cluster, ILogger logger)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ApiRequest.Json;
        response.Headers.CacheControl = "no-cache";
        await response.StartAsync(context.RequestAborted).ConfigureAwait(false);

        // Who a removed framework was, since its removal names only its id.
        var frameworks = new Dictionary<string, FrameworkSnapshot>(StringComparer.Ordinal);
        var record = new ArrayBufferWriter<byte>(4096);
        using var writes = new SemaphoreSlim(1);
        using var end = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var time = context.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;
        var heartbeats = HeartbeatAsync(response, writes, time, end.Token);
        try
        {
            await foreach (var e in cluster.WatchAsync(end.Token).ConfigureAwait(false))
            {
                record.ResetWrittenCount();
                using (var json = new Utf8JsonWriter(record))
                    if (!Write(json, e, frameworks)) continue;
                await WriteAsync(response, writes, RecordIO.Frame(record), end.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client went away, the master stopped, or the client fell behind and was cut off: the stream ends.
            Log.OperatorStreamEnded(logger, e.Message);
        }
        finally
        {
            await end.CancelAsync().ConfigureAwait(false);
            await heartbeats.ConfigureAwait(false);
        }
    }

    private static async Task HeartbeatAsync(HttpResponse response, SemaphoreSlim writes, TimeProvider time, CancellationToken cancellationToken)
    {
        var heartbeat = RecordIO.Frame("""{"type":"HEARTBEAT"}""");
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(HeartbeatSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                await WriteAsync(response, writes, heartbeat, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The stream has ended.
        }
    }

    private static async Task WriteAsync(HttpResponse response, SemaphoreSlim writes, byte[] framed, CancellationToken cancellationToken)
    {
        await writes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await response.Body.WriteAsync(framed, cancellationToken).ConfigureAwait(false);
            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            writes.Release();
        }
    }

    /// <summary>Writes the event as master.proto's Event; false for a change Mesos has no event for (an agent becoming unreachable).</summary>
    private static bool Write(Utf8JsonWriter json, ClusterEvent e, Dictionary<string, FrameworkSnapshot> frameworks)
    {
        json.WriteStartObject();
        switch (e)
        {
            case ClusterSubscribed s:
                foreach (var f in s.State.Frameworks) frameworks[f.FrameworkId] = f;
                json.WriteString("type", "SUBSCRIBED");
                json.WriteStartObject("subscribed");
                OperatorJson.WriteState(json, s.State);
                json.WriteNumber("heartbeat_interval_seconds", HeartbeatSeconds);
                json.WriteEndObject();
                break;
            case TaskAdded t:
                json.WriteString("type", "TASK_ADDED");
                json.WriteStartObject("task_added");
                json.WritePropertyName("task");
                OperatorJson.WriteTask(json, t.Task);
                json.WriteEndObject();
                break;
            case TaskUpdated t:
                json.WriteString("type", "TASK_UPDATED");
                json.WriteStartObject("task_updated");
                Json.WriteId(json, "framework_id", t.FrameworkId);
                MesosStatuses.Write(json, t.Status, "status");
                json.WriteString("state", MesosNames.State(t.Status.State));
                json.WriteEndObject();
                break;
            case AgentAdded a:
                WriteAgentAdded(json, a.Agent);
                break;
            case AgentUpdated { Agent: { Reachable: true } agent }:
                WriteAgentAdded(json, agent); // Mesos tells a re-registered agent as added again.
                break;
            case AgentUpdated:
                return false;
            case AgentRemoved a:
                json.WriteString("type", "AGENT_REMOVED");
                json.WriteStartObject("agent_removed");
                Json.WriteId(json, "agent_id", a.AgentId);
                json.WriteEndObject();
                break;
            case FrameworkAdded f:
                frameworks[f.Framework.FrameworkId] = f.Framework;
                WriteFramework(json, "FRAMEWORK_ADDED", "framework_added", f.Framework);
                break;
            case FrameworkUpdated f:
                frameworks[f.Framework.FrameworkId] = f.Framework;
                WriteFramework(json, "FRAMEWORK_UPDATED", "framework_updated", f.Framework);
                break;
            case FrameworkRemoved f:
                frameworks.Remove(f.FrameworkId, out var known);
                json.WriteString("type", "FRAMEWORK_REMOVED");
                json.WriteStartObject("framework_removed");
                MesosFrameworkInfos.Write(json, "framework_info", f.FrameworkId, known?.Name ?? "", known?.Role ?? "*");
                json.WriteEndObject();
                break;
            default:
                return false;
        }
        json.WriteEndObject();
        return true;
    }

    private static void WriteAgentAdded(Utf8JsonWriter json, AgentSnapshot agent)
    {
        json.WriteString("type", "AGENT_ADDED");
        json.WriteStartObject("agent_added");
        json.WritePropertyName("agent");
        OperatorJson.WriteAgent(json, agent);
        json.WriteEndObject();
    }

    private static void WriteFramework(Utf8JsonWriter json, string type, string property, FrameworkSnapshot framework)
    {
        json.WriteString("type", type);
        json.WriteStartObject(property);
        json.WritePropertyName("framework");
        OperatorJson.WriteFramework(json, framework);
        json.WriteEndObject();
    }
}
