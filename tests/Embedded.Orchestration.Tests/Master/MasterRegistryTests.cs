using System.Collections.Immutable;
using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Master;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging.Abstractions;

namespace Embedded.Orchestration.Tests.Master;

public sealed class MasterRegistryTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "embedded-registry-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private MasterRegistry Open() => new(_dir, NullLogger.Instance);

    [Fact]
    public async Task What_was_admitted_and_not_removed_comes_back_after_a_torn_last_line()
    {
        var registry = Open();
        registry.Start();
        registry.AdmitAgent("a1", "host-1", Resources.Parse("cpus:2"), ImmutableDictionary<string, string>.Empty.Add("os", "linux"));
        registry.AdmitAgent("a2", "host-2", Resources.Parse("cpus:4"), ImmutableDictionary<string, string>.Empty);
        registry.RemoveAgent("a2");
        registry.AddFramework(new FrameworkInfo("keep") { FrameworkId = "f1", FailoverTimeout = TimeSpan.FromMinutes(5) });
        registry.AddFramework(new FrameworkInfo("gone") { FrameworkId = "f2" });
        registry.RemoveFramework("f2");
        registry.SetQuota("gold", RoleQuota.Parse("cpus:2", limit: "cpus:4"));
        registry.SetQuota("gone", RoleQuota.Parse("cpus:1"));
        registry.SetQuota("gone", null);
        registry.SetWeight("gold", 3);
        await registry.StopAsync(CancellationToken.None);
        File.AppendAllText(Path.Combine(_dir, "registry.log"), "{\"kind\":\"AgentAdm");

        var state = Open().Load();

        state.Agents.Should().ContainSingle().Which.Should().Match<RegistryEntry>(a => a.Id == "a1" && a.Hostname == "host-1" && a.Resources!.Cpus == 2 && a.Attributes!["os"] == "linux");
        state.Frameworks.Should().ContainSingle().Which.Should().Match<FrameworkInfo>(f => f.FrameworkId == "f1" && f.FailoverTimeout == TimeSpan.FromMinutes(5));
        state.RemovedFrameworks.Should().Equal("f2");
        state.Quotas.Should().ContainSingle().Which.Should().Be(new KeyValuePair<string, RoleQuota>("gold", RoleQuota.Parse("cpus:2", limit: "cpus:4")));
        state.Weights.Should().Equal(new Dictionary<string, double> { ["gold"] = 3 });
        File.ReadAllLines(Path.Combine(_dir, "registry.log")).Should().HaveCount(5, "loading compacts the log");
        Open().Load().Should().BeEquivalentTo(state);
    }

    [Fact]
    public void Without_a_directory_nothing_is_kept() => new MasterRegistry(null, NullLogger.Instance).Load().Agents.Should().BeEmpty();
}
