using System.Collections.Immutable;
using System.Threading.Channels;
using Embedded.Orchestration.Master;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.Logging;

namespace Embedded.Client;

/// <summary>
/// A session over the Mesos scheduler API: its events come from the SUBSCRIBE stream, its calls go
/// out as POSTs with the stream's id. Calls are sent one after another, in the order they were made,
/// as the in-process link posts them, so an acknowledgement never overtakes the launch before it.
/// </summary>
internal sealed class HttpSchedulerLink : ISchedulerLink
{
    private readonly RemoteClusterClient _client;
    private readonly HttpResponseMessage _stream;
    private readonly string _streamId;
    private readonly CancellationTokenSource _closed = new();
    private readonly Lock _order = new();
    private Task _tail = Task.CompletedTask;

    public HttpSchedulerLink(RemoteClusterClient client, HttpResponseMessage stream, string streamId)
    {
        _client = client;
        _stream = stream;
        _streamId = streamId;
    }

    public Task CallAsync(FrameworkCall call, CancellationToken cancellationToken)
    {
        byte[] body;
        try
        {
            body = MesosCallWriter.Call(call);
        }
        catch (NotSupportedException e)
        {
            return Task.FromException(e);
        }
        lock (_order)
        {
            var sent = SendAfterAsync(_tail, body, cancellationToken);
            _tail = sent.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return sent;
        }
    }

    private async Task SendAfterAsync(Task previous, byte[] body, CancellationToken cancellationToken)
    {
        await previous.ConfigureAwait(false);
        if (_closed.IsCancellationRequested) throw new ObjectDisposedException(nameof(SchedulerSession));
        await _client.SchedulerCallAsync(body, _streamId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies the stream's events into the session's channel until it ends or the session is disposed.</summary>
    public async Task PumpAsync(RecordIOReader reader, string frameworkId, ChannelWriter<SchedulerEvent> events, ImmutableArray<TaskKind> taskKinds, ILogger logger)
    {
        var token = _closed.Token;
        try
        {
            while (await reader.ReadAsync(token).ConfigureAwait(false) is { } record)
            {
                using (record)
                {
                    if (MesosEventReader.Read(record.RootElement, taskKinds) is not { } e) continue;
                    if (e is UpdateEvent { Status: { IsTerminal: true, AgentId: { } agent } status })
                        e = new UpdateEvent(status with { Output = await FinalOutputAsync(agent, frameworkId, status.TaskId, logger, token).ConfigureAwait(false) });
                    await events.WriteAsync(e, token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Disposed: the session ends quietly.
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException or System.Text.Json.JsonException or FormatException)
        {
            Log.StreamBroke(logger, frameworkId, _client.Master, e);
        }
        finally
        {
            events.TryComplete();
            _stream.Dispose();
        }
    }

    // Mesos's TaskStatus carries no output; in process a final status does, so read it from the output endpoint.
    private async Task<TaskOutput?> FinalOutputAsync(string agentId, string frameworkId, string taskId, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.ReadOutputAsync(agentId, frameworkId, taskId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or System.Text.Json.JsonException)
        {
            Log.OutputUnread(logger, taskId, e);
            return null;
        }
    }

    public void Disconnect()
    {
        // Closing the SUBSCRIBE connection is Mesos's disconnect: the framework stays for its failover timeout.
        _closed.Cancel();
        _stream.Dispose();
    }
}
