using Microsoft.Playwright;

namespace Embedded.Dashboard.Tests;

/// <summary>Playwright's expectations, with the generous timeout that a shared 2-core machine needs.</summary>
internal static class Expectations
{
    public static readonly float Patience = 30_000;

    public static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    public static LocatorAssertionsToHaveTextOptions Text => new() { Timeout = Patience };

    public static LocatorAssertionsToContainTextOptions Contains => new() { Timeout = Patience };

    public static LocatorAssertionsToBeVisibleOptions Visible => new() { Timeout = Patience };

    /// <summary>A page whose console errors and uncaught exceptions are collected into <paramref name="errors"/>.</summary>
    public static async Task<IPage> NewPageAsync(IBrowserContext context, List<string> errors)
    {
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (errors) errors.Add($"console: {message.Text}");
        };
        page.PageError += (_, error) =>
        {
            lock (errors) errors.Add($"page error: {error}");
        };
        return page;
    }
}
