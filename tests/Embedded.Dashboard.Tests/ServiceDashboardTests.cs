using Embedded.Orchestration.Scheduling.Services;
using Microsoft.Playwright;
using static Embedded.Dashboard.Tests.Expectations;

namespace Embedded.Dashboard.Tests;

/// <summary>Services on the dashboard: their instances and health, scaling and a rolling update, live.</summary>
public sealed class ServiceDashboardTests(ServiceDashboard host) : IClassFixture<ServiceDashboard>, IAsyncLifetime
{
    private readonly List<string> _errors = [];
    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _context = await host.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1440, Height = 900 } });
        _page = await NewPageAsync(_context, _errors);
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [ChromiumFact]
    public async Task A_service_appears_with_its_instances_healthy_scales_and_shows_its_rolling_update()
    {
        var busybox = File.Exists("/usr/bin/busybox") ? "/usr/bin/busybox" : "/bin/busybox";
        File.Exists(busybox).Should().BeTrue("scripts/setup.sh installs busybox-static, which serves the test's web pages");
        await _page.GotoAsync(host.Url + "/");
        await Expect(_page.Locator("#conn")).ToHaveTextAsync("live", Text);
        await Expect(_page.Locator("#services-section")).ToBeHiddenAsync(new() { Timeout = Patience });
        await _page.EvaluateAsync("() => { window.notReloaded = true; }");

        var spec = ServiceSpec.Shell("web", $"mkdir -p www && echo \"hello from $EMBEDDED_TASK_ID\" > www/index.html && exec {busybox} httpd -f -p 127.0.0.1:$PORT0 -h www") with
        {
            Instances = 2,
            Ports = 1,
            PortNames = ["http"],
        };
        await using var web = await host.Cluster.Services.DeployAsync(spec);

        var card = _page.Locator("#services [data-service='web']");
        await Expect(card).ToBeVisibleAsync(Visible);
        await Expect(card.Locator("[data-version]")).ToHaveTextAsync("v1", Text);
        await Expect(card.Locator("[data-wanted]")).ToHaveTextAsync("2 wanted", Text);
        await Expect(card.Locator("[data-healthy-count]")).ToHaveTextAsync("2 healthy", Text);
        await Expect(card.Locator("h3 [data-healthy]")).ToHaveTextAsync("healthy", Text);
        await Expect(card.Locator("tr[data-instance][data-healthy='true']")).ToHaveCountAsync(2, new() { Timeout = Patience });
        foreach (var instance in web.Instances)
        {
            var row = card.Locator($"tr[data-instance='{instance.InstanceId}']");
            await Expect(row).ToContainTextAsync(instance.AgentId, Contains);
            await Expect(row).ToContainTextAsync("RUNNING", Contains);
            await Expect(row).ToContainTextAsync($"http={instance.Ports.Single().HostPort}", Contains);
        }

        await web.ScaleAsync(3);

        await Expect(card.Locator("[data-wanted]")).ToHaveTextAsync("3 wanted", Text);
        await Expect(card.Locator("[data-healthy-count]")).ToHaveTextAsync("3 healthy", Text);
        await Expect(card.Locator("tr[data-instance][data-healthy='true']")).ToHaveCountAsync(3, new() { Timeout = Patience });
        await Chromium.ScreenshotAsync(_page, "service-scaled");

        // A new version whose instances must stay healthy for longer than the test: the update holds at its first new one.
        var v2 = spec with
        {
            Instances = 3,
            Environment = spec.Environment.SetItem("VERSION", "2"),
            Update = new UpdateStrategy { MaxSurge = 1, MinHealthyTime = TimeSpan.FromHours(1), HealthyDeadline = TimeSpan.FromHours(2) },
        };
        var update = web.UpdateAsync(v2);

        await Expect(card.Locator("[data-version]")).ToHaveTextAsync("v2", Text);
        await Expect(card.Locator("[data-update]")).ToHaveTextAsync("updating v1 → v2: 1 of 3 new healthy", Text);
        await Expect(card.Locator("h3 [data-healthy]")).ToHaveTextAsync("not healthy", Text);
        await Expect(card.Locator("tr[data-instance]")).ToHaveCountAsync(4, new() { Timeout = Patience });
        await Chromium.ScreenshotAsync(_page, "service-updating");

        await web.StopAsync();
        (await update).Outcome.Should().Be(ServiceUpdateOutcome.Stopped);
        await Expect(card).ToHaveCountAsync(0, new() { Timeout = Patience });
        (await _page.EvaluateAsync<bool>("() => window.notReloaded === true")).Should().BeTrue("the page showed it all without a reload");
        _errors.Should().BeEmpty();
    }
}
