using Embedded.Cli.Http;

namespace Embedded.Cli;

/// <summary>Turns an unreachable or refusing master into one line on stderr and exit code 1, not a stack trace.</summary>
internal static class Guard
{
    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (MasterException e)
        {
            await Console.Error.WriteLineAsync($"embedded: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
