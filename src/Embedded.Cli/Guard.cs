using Embedded.Cli.Http;

namespace Embedded.Cli;

/// <summary>
/// Turns an unreachable or refusing master into one line on stderr and exit code 1 (2 when it wants
/// credentials or refuses the caller's), not a stack trace.
/// </summary>
internal static class Guard
{
    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (MasterAuthenticationException e)
        {
            await Console.Error.WriteLineAsync($"embedded: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (MasterException e)
        {
            await Console.Error.WriteLineAsync($"embedded: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
