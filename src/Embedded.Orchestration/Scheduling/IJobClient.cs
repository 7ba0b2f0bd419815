namespace Embedded.Orchestration.Scheduling;

/// <summary>Runs jobs on the cluster through the built-in job scheduler, which acknowledges updates for you.</summary>
public interface IJobClient
{
    /// <summary>Queues a job and returns at once; await <see cref="JobHandle.Completion"/> for its result.</summary>
    Task<JobHandle> SubmitAsync(Job job, CancellationToken cancellationToken = default);

    /// <summary>Runs a job to its end. Cancelling the token kills the job and throws <see cref="OperationCanceledException"/>.</summary>
    async Task<JobResult> RunAsync(Job job, CancellationToken cancellationToken = default)
    {
        var handle = await SubmitAsync(job, cancellationToken).ConfigureAwait(false);
        try
        {
            return await handle.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await handle.CancelAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }
}
