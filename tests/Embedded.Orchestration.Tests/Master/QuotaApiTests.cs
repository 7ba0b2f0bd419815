using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Tests.Master;

/// <summary>Role quota set through the client reaches the allocator; bad quota is refused and changes nothing.</summary>
public sealed class QuotaApiTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_quota_limit_caps_what_a_role_is_offered_and_a_bad_quota_is_refused()
    {
        await using var cluster = await TestCluster.StartAsync(output, new FakeTimeProvider(DateTimeOffset.UnixEpoch), agents: 2);
        await FluentActions.Awaiting(() => cluster.Client.SetRoleQuotaAsync("capped", RoleQuota.Parse("cpus:4", limit: "cpus:2")))
            .Should().ThrowAsync<ArgumentException>();
        await cluster.Client.SetRoleQuotaAsync("capped", RoleQuota.Parse("cpus:1", limit: "cpus:2"));

        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("frugal", Role: "capped"));
        await using var _ = session;
        var offers = (await events.Next<OffersEvent>()).Offers;
        await cluster.SettleAsync();
        var all = offers.Concat((await events.Drain()).OfType<OffersEvent>().SelectMany(o => o.Offers)).ToList();

        all.Sum(o => o.Resources.Cpus.Value).Should().Be(2, "the limit caps the role at 2 of the cluster's 8 cpus");
        var role = (await cluster.GetStateAsync()).Roles.Should().ContainSingle(r => r.Role == "capped").Subject;
        role.Quota.Should().Be(RoleQuota.Parse("cpus:1", limit: "cpus:2"));
    }
}
