using Embedded.Cli.Tests;
using Microsoft.Playwright;
using static Embedded.Dashboard.Tests.Expectations;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Embedded.Dashboard.Tests;

/// <summary>The dashboard of a real `embedded dev`, in chromium: live, without reloads.</summary>
public sealed class DashboardTests(OpenDevDashboard dev) : IClassFixture<OpenDevDashboard>, IAsyncLifetime
{
    private readonly List<string> _errors = [];
    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _context = await dev.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1440, Height = 900 } });
        _page = await NewPageAsync(_context, _errors);
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [ChromiumFact]
    public async Task The_page_loads_live_with_the_agents_and_no_console_errors()
    {
        var response = await _page.GotoAsync(dev.Url + "/");

        response!.Status.Should().Be(200);
        await Expect(_page.Locator("#conn")).ToHaveTextAsync("live", Text);
        foreach (var agent in new[] { "agent-1", "agent-2" })
        {
            var card = _page.Locator($"#agents [data-agent='{agent}']");
            await Expect(card).ToBeVisibleAsync(Visible);
            await Expect(card.Locator("[data-reachable]")).ToHaveTextAsync("reachable", Text);
            await Expect(card).ToContainTextAsync(OperatingSystem.IsLinux() ? "linux" : "windows", Contains);
            await Expect(card.Locator("[data-resource='cpus'] .bar")).ToBeVisibleAsync(Visible);
            await Expect(card.Locator("[data-resource='mem'] .bar")).ToBeVisibleAsync(Visible);
        }
        await Expect(_page.Locator("#frameworks [data-framework]").First).ToContainTextAsync("embedded-jobs", Contains);
        await Expect(_page.Locator("#roles [data-role='*']")).ToBeVisibleAsync(Visible);
        await Expect(_page.Locator("#events li[data-type='SUBSCRIBED']")).ToBeVisibleAsync(Visible);
        (await _page.GotoAsync(dev.Url + "/dashboard"))!.Status.Should().Be(200);
        await Expect(_page.Locator("#conn")).ToHaveTextAsync("live", Text);
        await Chromium.ScreenshotAsync(_page, "loaded");

        _errors.Should().BeEmpty();
    }

    [ChromiumFact]
    public async Task A_job_submitted_through_the_API_appears_runs_and_finishes_with_its_output_without_a_reload()
    {
        await _page.GotoAsync(dev.Url + "/");
        await Expect(_page.Locator("#conn")).ToHaveTextAsync("live", Text);
        // Gone if the page reloads.
        await _page.EvaluateAsync("() => { window.notReloaded = true; }");

        await using var run = CliProcess.Start("run", "--master", dev.Url, "--", "sh", "-c", "echo hello-from-the-dashboard-test; echo to-stderr >&2; sleep 5");
        var taskId = await TaskIdAsync(run);
        var row = _page.Locator($"#tasks tr[data-task='{taskId}']");
        await Expect(row).ToBeVisibleAsync(Visible);
        await Expect(row.Locator(".state")).ToHaveTextAsync("RUNNING", Text);
        await row.ClickAsync();
        await Expect(_page.Locator("#task-view")).ToBeVisibleAsync(Visible);
        await Expect(_page.Locator("#task-stdout")).ToContainTextAsync("hello-from-the-dashboard-test", Contains);
        await Chromium.ScreenshotAsync(_page, "task-running");

        await Expect(_page.Locator("#task-state")).ToHaveTextAsync("FINISHED", Text);
        await Expect(row.Locator(".state")).ToHaveTextAsync("FINISHED", Text);
        await Expect(_page.Locator("#task-history tr[data-state='RUNNING']")).ToBeVisibleAsync(Visible);
        await Expect(_page.Locator("#task-history tr[data-state='FINISHED']")).ToBeVisibleAsync(Visible);
        await Expect(_page.Locator("#task-stderr")).ToContainTextAsync("to-stderr", Contains);
        await Expect(_page.Locator("#kill")).ToBeDisabledAsync(new() { Timeout = Patience });
        await Expect(_page.Locator("#events li[data-type='TASK_UPDATED']").Filter(new() { HasText = $"{taskId} FINISHED" })).ToBeVisibleAsync(Visible);
        (await run.WaitForExitAsync()).Should().Be(0, run.Output);
        (await _page.EvaluateAsync<bool>("() => window.notReloaded === true")).Should().BeTrue("the page showed it all without a reload");

        // Filters: by state, then by agent.
        await _page.SelectOptionAsync("#filter-state", "FINISHED");
        await Expect(row).ToBeVisibleAsync(Visible);
        await Expect(_page.Locator("#tasks tbody tr .state").Filter(new() { HasNotText = "FINISHED" })).ToHaveCountAsync(0, new() { Timeout = Patience });
        await _page.SelectOptionAsync("#filter-state", "");
        var agent = await row.Locator("td").Nth(4).TextContentAsync();
        var otherAgent = agent == "agent-1" ? "agent-2" : "agent-1";
        if (await _page.Locator($"#filter-agent option[value='{otherAgent}']").CountAsync() > 0)
        {
            await _page.SelectOptionAsync("#filter-agent", otherAgent);
            await Expect(row).ToHaveCountAsync(0, new() { Timeout = Patience });
            await _page.SelectOptionAsync("#filter-agent", "");
        }
        await Chromium.ScreenshotAsync(_page, "task-finished");

        _errors.Should().BeEmpty();
    }

    [ChromiumFact]
    public async Task A_kill_from_the_task_view_ends_the_task_KILLED()
    {
        await _page.GotoAsync(dev.Url + "/");
        await Expect(_page.Locator("#conn")).ToHaveTextAsync("live", Text);
        await using var run = CliProcess.Start("run", "--master", dev.Url, "--", "sleep", "300");
        var taskId = await TaskIdAsync(run);
        var row = _page.Locator($"#tasks tr[data-task='{taskId}']");
        await Expect(row.Locator(".state")).ToHaveTextAsync("RUNNING", Text);
        await row.ClickAsync();
        await Expect(_page.Locator("#task-state")).ToHaveTextAsync("RUNNING", Text);

        _page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
        await _page.Locator("#kill").ClickAsync();

        await Expect(_page.Locator("#kill-result")).ToContainTextAsync("Kill sent", Contains);
        await Expect(_page.Locator("#task-state")).ToHaveTextAsync("KILLED", Text);
        await Expect(row.Locator(".state")).ToHaveTextAsync("KILLED", Text);
        await Expect(_page.Locator("#task-history tr[data-state='KILLED']")).ToBeVisibleAsync(Visible);
        (await run.WaitForExitAsync()).Should().NotBe(0, run.Output);
        run.Stdout.Should().Contain($"task {taskId}: TASK_KILLED");
        await Chromium.ScreenshotAsync(_page, "task-killed");

        _errors.Should().BeEmpty();
    }

    /// <summary>The id `embedded run` gave its task, from the line where it launches it.</summary>
    private static async Task<string> TaskIdAsync(CliProcess run)
    {
        var launching = await run.WaitForLineAsync(l => l.Contains(": launching on agent", StringComparison.Ordinal));
        return launching.Split(' ', ':').First(w => w.StartsWith("run-", StringComparison.Ordinal));
    }
}
