using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;

namespace Embedded.Testing;

public static class JobWaits
{
    /// <summary>Waits until the job reports <paramref name="state"/>; throws if it ends first or the guard (30 s) runs out.</summary>
    public static async Task<StatusUpdate> WaitForStateAsync(this JobHandle handle, TaskState state, TimeSpan? guard = null)
    {
        using var timeout = new CancellationTokenSource(guard ?? EventStream.DefaultGuard);
        await foreach (var update in handle.WatchAsync(timeout.Token))
        {
            if (update.State == state) return update;
            if (update.IsTerminal) throw new InvalidOperationException($"job {handle.JobId} ended {update} before reaching {state}");
        }
        throw new InvalidOperationException($"job {handle.JobId} ended before reaching {state}");
    }
}
