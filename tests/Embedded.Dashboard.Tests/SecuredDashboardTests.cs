using Microsoft.Playwright;
using static Embedded.Dashboard.Tests.Expectations;

namespace Embedded.Dashboard.Tests;

/// <summary>`embedded dev --credentials FILE --operator ops`: the browser needs the operator's Basic credentials.</summary>
public sealed class SecuredDevDashboard : DevDashboard
{
    private static readonly string Directory = Path.Combine(Path.GetTempPath(), $"embedded-dashboard-{Guid.NewGuid():N}");

    public SecuredDevDashboard() : base("--credentials", Credentials, "--operator", "ops")
    {
    }

    private static string Credentials => Path.Combine(Directory, "credentials");

    public override async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        await File.WriteAllTextAsync(Credentials, "ops ops-s3cret\nalice alice-s3cret\n");
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

public sealed class SecuredDashboardTests(SecuredDevDashboard dev) : IClassFixture<SecuredDevDashboard>
{
    [ChromiumFact]
    public async Task An_unauthenticated_browser_is_refused_with_a_Basic_challenge()
    {
        await using var context = await dev.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        // Headless chromium has no prompt to show: the navigation fails for want of credentials.
        var navigate = () => page.GotoAsync(dev.Url + "/");
        (await navigate.Should().ThrowAsync<PlaywrightException>()).Which.Message.Should().Contain("ERR_INVALID_AUTH_CREDENTIALS");

        // What the server answers, read through the context's own requests (a page's fetch would wait for a prompt).
        foreach (var path in new[] { "/", "/dashboard", "/dashboard/dashboard.js", "/api/v1/dashboard/state", "/api/v1/dashboard/events" })
        {
            var answer = await context.APIRequest.GetAsync(dev.Url + path);
            answer.Status.Should().Be(401, path);
            answer.Headers.Should().ContainKey("www-authenticate").WhoseValue.Should().Be("Basic realm=\"embedded\"", path);
        }
    }

    [ChromiumFact]
    public async Task A_principal_that_is_no_operator_is_forbidden()
    {
        await using var context = await dev.Browser.NewContextAsync(new() { HttpCredentials = new() { Username = "alice", Password = "alice-s3cret" } });
        var page = await context.NewPageAsync();

        (await page.GotoAsync(dev.Url + "/"))!.Status.Should().Be(403);
    }

    [ChromiumFact]
    public async Task The_operator_sees_the_cluster_live()
    {
        var errors = new List<string>();
        await using var context = await dev.Browser.NewContextAsync(new() { HttpCredentials = new() { Username = "ops", Password = "ops-s3cret" } });
        var page = await NewPageAsync(context, errors);

        (await page.GotoAsync(dev.Url + "/"))!.Status.Should().Be(200);

        await Expect(page.Locator("#conn")).ToHaveTextAsync("live", Text);
        await Expect(page.Locator("#agents [data-agent='agent-1']")).ToBeVisibleAsync(Visible);
        errors.Should().BeEmpty();
    }
}
