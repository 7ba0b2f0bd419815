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
    public async Task A_log_is_rewritten_only_once_it_holds_more_superseded_entries_than_live_ones_and_equal_agent_shapes_are_read_once()
    {
        var registry = Open();
        registry.Start();
        var attributes = ImmutableDictionary<string, string>.Empty.Add("os", "linux").Add("rack", "r1");
        registry.AdmitAgent("a1", "host-1", Resources.Parse("cpus:2;ports:[31000-31009]"), attributes, [TaskKind.Command, TaskKind.Delegate]);
        registry.AdmitAgent("a2", "host-2", Resources.Parse("cpus:2;ports:[31000-31009]"), attributes, [TaskKind.Command, TaskKind.Delegate]);
        registry.AdmitAgent("a3", "host-3", Resources.Parse("cpus:4"), ImmutableDictionary<string, string>.Empty.Add("os", "linux"), [TaskKind.Delegate]);
        await registry.StopAsync(CancellationToken.None);
        var log = Path.Combine(_dir, "registry.log");
        var written = File.ReadAllText(log);

        var state = Open().Load();

        File.ReadAllText(log).Should().Be(written, "nothing in it is superseded");
        state.Agents.Select(a => a.Id).Should().Equal("a1", "a2", "a3");
        state.Agents[0].Resources.Should().Be(Resources.Parse("cpus:2;ports:[31000-31009]")).And.BeSameAs(state.Agents[1].Resources);
        state.Agents[0].Attributes.Should().Equal(attributes).And.BeSameAs(state.Agents[1].Attributes);
        state.Agents[2].Attributes.Should().Equal(ImmutableDictionary<string, string>.Empty.Add("os", "linux"));
        state.Agents[0].TaskKinds!.Value.Should().Equal([TaskKind.Command, TaskKind.Delegate]);
        state.Agents[2].TaskKinds!.Value.Should().Equal([TaskKind.Delegate]);
        state.Agents[2].Resources.Should().Be(Resources.Parse("cpus:4"));

        registry = Open();
        registry.Start();
        for (var i = 0; i < 3; i++) registry.AdmitAgent("a3", "host-3", Resources.Parse("cpus:4"), ImmutableDictionary<string, string>.Empty, [TaskKind.Delegate]);
        await registry.StopAsync(CancellationToken.None);
        File.ReadAllLines(log).Should().HaveCount(6);
        Open().Load().Agents.Should().HaveCount(3);
        File.ReadAllLines(log).Should().HaveCount(6, "6 lines hold 3 live entries: not yet twice as many");
        registry = Open();
        registry.Start();
        registry.RemoveAgent("a2");
        await registry.StopAsync(CancellationToken.None);

        Open().Load().Agents.Select(a => a.Id).Should().Equal("a1", "a3");
        File.ReadAllLines(log).Should().HaveCount(2, "7 lines for 2 live entries are compacted");
    }

    [Fact]
    public void Without_a_directory_nothing_is_kept() => new MasterRegistry(null, NullLogger.Instance).Load().Agents.Should().BeEmpty();
}
