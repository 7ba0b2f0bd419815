using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Actors;

/// <summary>
/// One loop over one inbox: the actor's state is touched only by <see cref="Handle"/>, one
/// message at a time, so it needs no locks. A message that throws is logged and dropped; the
/// actor keeps serving.
/// </summary>
internal abstract class Actor<TMessage> where TMessage : class
{
    private readonly Channel<TMessage> _inbox = Channel.CreateUnbounded<TMessage>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private Task _loop = Task.CompletedTask;
    private Task? _stopped;

    protected Actor(ILogger logger) => Logger = logger;

    protected ILogger Logger { get; }

    /// <summary>Queues a message; false once the actor has stopped.</summary>
    public bool Post(TMessage message) => _inbox.Writer.TryWrite(message);

    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>
    /// Stops taking messages, lets the loop finish what is queued, then runs <see cref="OnStoppedAsync"/>,
    /// once however often it is called. A cancelled token stops the wait, not the stopping: the rest
    /// finishes in the background, and nothing is thrown, as a stop out of time must still be a stop.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _inbox.Writer.TryComplete();
        var stopped = _stopped;
        if (stopped is null)
        {
            var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            stopped = Interlocked.CompareExchange(ref _stopped, first.Task, null);
            if (stopped is null)
            {
                stopped = first.Task;
                _ = FinishAsync(first, cancellationToken);
            }
        }
        try
        {
            await stopped.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            ActorLog.StopAbandoned(Logger, GetType().Name);
        }
    }

    private async Task FinishAsync(TaskCompletionSource done, CancellationToken cancellationToken)
    {
        try
        {
            await _loop.ConfigureAwait(false);
            await OnStoppedAsync(cancellationToken).ConfigureAwait(false);
            done.TrySetResult();
        }
        catch (OperationCanceledException)
        {
            done.TrySetResult(); // Out of time while tidying up: best effort is all a cancelled stop promises.
        }
        catch (Exception e)
        {
            done.TrySetException(e);
        }
    }

    protected abstract void Handle(TMessage message);

    protected virtual Task OnStoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task RunAsync()
    {
        var reader = _inbox.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
            while (reader.TryRead(out var message))
            {
                try
                {
                    Handle(message);
                }
                catch (Exception e)
                {
                    ActorLog.MessageFailed(Logger, GetType().Name, message.GetType().Name, e);
                }
            }
    }
}

internal static partial class ActorLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "{Actor} failed on {Message}; the message is dropped and the actor goes on")]
    public static partial void MessageFailed(ILogger logger, string actor, string message, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Actor} did not stop in time; it finishes stopping in the background")]
    public static partial void StopAbandoned(ILogger logger, string actor);
}
