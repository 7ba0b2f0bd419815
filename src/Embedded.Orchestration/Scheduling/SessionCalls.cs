namespace Embedded.Orchestration.Scheduling;

/// <summary>The built-in schedulers' calls on their session, made without waiting: a failure is handed to the scheduler's log, never lost.</summary>
internal static class SessionCalls
{
    public static void Observe(Task call, Action<Exception> failed) => _ = ObserveAsync(call, failed);

    private static async Task ObserveAsync(Task call, Action<Exception> failed)
    {
        try
        {
            await call.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failed(e);
        }
    }
}
