using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Playwright;

namespace Embedded.Dashboard.Tests;

/// <summary>
/// Debian's chromium (installed by scripts/setup.sh), driven headless by Playwright: its own browser
/// download cannot work here. Missing, the tests skip locally; under CI=true they run and fail.
/// </summary>
internal static partial class Chromium
{
    public const string Path = "/usr/bin/chromium";

    public static string? WhySkip =>
        File.Exists(Path) || Environment.GetEnvironmentVariable("CI") == "true" ? null : $"no {Path} (scripts/setup.sh installs it as root)";

    /// <summary>Where screenshots go: $EMBEDDED_TEST_ARTIFACTS, or this project's TestResults/screenshots.</summary>
    public static string Artifacts { get; } = Environment.GetEnvironmentVariable("EMBEDDED_TEST_ARTIFACTS") is { Length: > 0 } set ? set
        : typeof(Chromium).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Artifacts").Value!;

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(Path)) throw new InvalidOperationException($"{Path} is missing: run scripts/setup.sh as root (it installs Debian's chromium)");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = Path,
                Headless = true,
                // Chromium's sandbox refuses to start as root.
                Args = geteuid() == 0 ? ["--no-sandbox"] : [],
            });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Artifacts);
        await page.ScreenshotAsync(new() { Path = System.IO.Path.Combine(Artifacts, $"{name}.png"), FullPage = true });
    }

    [LibraryImport("libc")]
    private static partial uint geteuid();
}

/// <summary>A test in the browser: skipped without chromium locally, never under CI=true.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute() => Skip = Chromium.WhySkip;
}
