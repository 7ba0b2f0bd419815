using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Embedded.Server.Http;
using Embedded.Server.Mesos;
using Embedded.Server.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Embedded.Server.Scheduler;

/// <summary>
/// <c>POST /api/v1/scheduler</c>: SUBSCRIBE answers 200 with a RecordIO stream of events and a
/// <c>Mesos-Stream-Id</c>; every other call must carry that id and its framework's id and answers 202.
/// </summary>
internal sealed class SchedulerEndpoint(IClusterClient cluster, ClusterApiOptions options, Subscriptions subscriptions, Authenticator authenticator, FrameworkOwners owners, string masterId, ILogger logger, CancellationToken stopping)
{
    public const string StreamIdHeader = "Mesos-Stream-Id";

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            // As Mesos: who is calling is settled before the call is read.
            var principal = authenticator.Authenticate(context);
            FrameworkInfo? subscribe = null;
            SchedulerCall? parsed = null;
            var frameworkId = "";
            // The body is read and checked whole, then let go: a SUBSCRIBE does not hold it for its stream's life.
            using (var call = await ApiRequest.ReadCallAsync(context, options.MaxRequestBodyBytes, streaming: true).ConfigureAwait(false))
            {
                var root = call.RootElement;
                var type = Json.OptionalString(root, "type") ?? throw CallException.BadRequest("Expecting 'type' to be present");
                if (!MesosCalls.Types.Contains(type)) throw CallException.BadRequest($"Failed to parse body into Call: unknown call type '{type}'");
                if (type == "SUBSCRIBE") subscribe = ReadSubscribe(root, principal);
                else
                {
                    frameworkId = Json.OptionalId(root, "framework_id") is { Length: > 0 } id ? id : throw CallException.BadRequest("Expecting 'framework_id' to be present");
                    parsed = MesosCalls.Read(type, root, options.MaxItemsPerCall);
                }
            }
            if (subscribe is not null)
            {
                await SubscribeAsync(context, subscribe, principal).ConfigureAwait(false);
                return;
            }

            if (principal is not null) owners.Require(frameworkId, principal);
            var subscription = subscriptions.Find(frameworkId) ?? throw new CallException(403, "Framework is not subscribed");
            var streamId = context.Request.Headers[StreamIdHeader].ToString();
            if (streamId.Length == 0) throw CallException.BadRequest($"All non-subscribe calls should include the '{StreamIdHeader}' header");
            if (streamId != subscription.StreamId)
                throw CallException.BadRequest($"The stream ID '{streamId}' included in this request didn't match the stream ID currently associated with framework ID {frameworkId}");
            try
            {
                subscription.TaskAgents.Remember(parsed!.Agents);
                await parsed.Run(subscription.Session, context.RequestAborted).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                throw new CallException(403, "Framework is not subscribed");
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                throw CallException.BadRequest(e.Message);
            }
            context.Response.StatusCode = StatusCodes.Status202Accepted;
        }
        catch (CallException e)
        {
            Log.Refused(logger, context.Request.Path, e.StatusCode, e.Message);
            await ApiRequest.WriteErrorAsync(context, e.StatusCode, e.Message).ConfigureAwait(false);
        }
    }

    private FrameworkInfo ReadSubscribe(JsonElement root, string? principal)
    {
        var body = Json.Object(root, "subscribe") ?? throw CallException.BadRequest("Expecting 'subscribe' to be present");
        var frameworkInfo = Json.Object(body, "framework_info") ?? throw CallException.BadRequest("Expecting 'framework_info' to be present");
        var info = MesosFrameworkInfos.Read(frameworkInfo, options.MaxItemsPerCall);
        if (Json.OptionalId(root, "framework_id") is { } callId && callId != info.FrameworkId)
            throw CallException.BadRequest("'framework_id' differs from 'subscribe.framework_info.id'");
        if (principal is not null)
        {
            if (Json.OptionalString(frameworkInfo, "principal") is { Length: > 0 } claimed && claimed != principal)
                throw new CallException(403, $"Framework principal '{claimed}' does not match authenticated principal '{principal}'");
            if (info.FrameworkId is { } failover) owners.Require(failover, principal, mustBeKnown: true);
        }
        return info;
    }

    private async Task SubscribeAsync(HttpContext context, FrameworkInfo info, string? principal)
    {
        SchedulerSession session;
        try
        {
            session = await cluster.SubscribeAsync(info, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw CallException.BadRequest(e.Message);
        }

        if (principal is not null) owners.Set(session.FrameworkId, principal);
        var subscription = new Subscription(session.FrameworkId, Guid.NewGuid().ToString(), session);
        await using (session.ConfigureAwait(false))
        {
            subscriptions.Add(subscription);
            Log.Subscribed(logger, session.FrameworkId, context.Connection.RemoteIpAddress?.ToString(), subscription.StreamId);
            try
            {
                await StreamAsync(context, subscription, info.Role).ConfigureAwait(false);
            }
            finally
            {
                // The connection is gone: the framework is disconnected and may fail over within its timeout.
                subscriptions.Remove(subscription);
                Log.StreamEnded(logger, session.FrameworkId, subscription.StreamId);
            }
        }
    }

    private async Task StreamAsync(HttpContext context, Subscription subscription, string role)
    {
        var url = AgentUrl.Of(context);
        var master = MasterInfo.Of(masterId, context);

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ApiRequest.Json;
        response.Headers[StreamIdHeader] = subscription.StreamId;
        response.Headers.CacheControl = "no-cache";
        await response.StartAsync(context.RequestAborted).ConfigureAwait(false);

        using var end = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var buffer = Channel.CreateBounded<SchedulerEvent>(new BoundedChannelOptions(options.SubscriberBufferEvents) { SingleReader = true, SingleWriter = true });
        var overflowed = false;
        // Drains the master's stream at once, so what a slow reader costs is this bounded buffer (and what
        // arrives while it stays full, for at most the stall timeout), never an unbounded queue in the master.
        var pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in subscription.Session.ReadEventsAsync(end.Token).ConfigureAwait(false))
                {
                    if (buffer.Writer.TryWrite(e) || await WaitForRoomAsync(buffer.Writer, e, end.Token).ConfigureAwait(false)) continue;
                    overflowed = true;
                    Log.SlowSubscriber(logger, subscription.FrameworkId, buffer.Reader.Count);
                    await end.CancelAsync().ConfigureAwait(false);
                    break;
                }
            }
            catch (Exception)
            {
                // However the session ended (teardown, a new subscription, a stopping master, the
                // connection), the stream just ends: the framework subscribes again.
            }
            finally
            {
                buffer.Writer.TryComplete();
            }
        });

        var record = new ArrayBufferWriter<byte>(4096);
        try
        {
            await foreach (var e in buffer.Reader.ReadAllAsync(end.Token).ConfigureAwait(false))
            {
                record.ResetWrittenCount();
                MesosEvents.Write(record, WithAgent(e, subscription.TaskAgents), role, url, master);
                await response.Body.WriteAsync(RecordIO.Frame(record), end.Token).ConfigureAwait(false);
                await response.Body.FlushAsync(end.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Disconnected, stopping, or a reader too slow for its buffer.
        }
        catch (IOException)
        {
            // The client went away mid-write.
        }
        finally
        {
            await end.CancelAsync().ConfigureAwait(false);
            await pump.ConfigureAwait(false);
            // A reader that stopped reading is cut off, as Mesos closes a framework's stream it cannot write to.
            if (overflowed) context.Abort();
        }
    }

    private async Task<bool> WaitForRoomAsync(ChannelWriter<SchedulerEvent> buffer, SchedulerEvent e, CancellationToken cancellationToken)
    {
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(options.SubscriberStallTimeout);
        try
        {
            await buffer.WriteAsync(e, stall.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static SchedulerEvent WithAgent(SchedulerEvent e, TaskAgents agents) =>
        e is UpdateEvent { Status: { AgentId: null } status } && agents.Find(status.TaskId) is { } agent
            ? new UpdateEvent(status with { AgentId = agent })
            : e;
}
