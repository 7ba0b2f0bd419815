using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Embedded.Orchestration.Actors;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Master;

/// <summary>
/// The master's durable registry, as Mesos keeps one: the agents it admitted, the frameworks it
/// knows, and role quotas and weights set at run time, so that a restarted master expects them back. Task state is not here: as in Mesos, it is
/// rebuilt from what agents report when they register again. An append-only log, fsynced per entry
/// and compacted when read; null directory means a master that forgets everything on restart.
/// Writes run on the registry's own loop, so the master's loop never waits for a disk. A write lost
/// to a crash costs nothing lasting: the agent or framework it was about registers again under its id.
/// </summary>
internal sealed class MasterRegistry(string? directory, ILogger logger) : Actor<RegistryEntry>(logger)
{
    private string? LogFile => directory is null ? null : Path.Combine(directory, "registry.log");

    public void AdmitAgent(string agentId, string hostname, Resources resources, ImmutableDictionary<string, string> attributes, ImmutableArray<TaskKind> taskKinds = default) =>
        Record(new RegistryEntry(RegistryEntryKind.AgentAdmitted)
        {
            Id = agentId, Hostname = hostname, Resources = resources, Attributes = attributes, TaskKinds = taskKinds.IsDefault ? null : taskKinds,
        });

    public void RemoveAgent(string agentId) => Record(new RegistryEntry(RegistryEntryKind.AgentRemoved) { Id = agentId });

    public void AddFramework(FrameworkInfo info) => Record(new RegistryEntry(RegistryEntryKind.FrameworkAdded) { Id = info.FrameworkId, Framework = info });

    public void RemoveFramework(string frameworkId) => Record(new RegistryEntry(RegistryEntryKind.FrameworkRemoved) { Id = frameworkId });

    /// <summary>A role's quota set at run time; null removes it.</summary>
    public void SetQuota(string role, Allocation.RoleQuota? quota) => Record(new RegistryEntry(RegistryEntryKind.QuotaSet) { Id = role, Quota = quota });

    public void SetWeight(string role, double weight) => Record(new RegistryEntry(RegistryEntryKind.WeightSet) { Id = role, Weight = weight });

    /// <summary>Replays the log into what is admitted now, and rewrites it compacted.</summary>
    public RegistryState Load()
    {
        var agents = new Dictionary<string, RegistryEntry>(StringComparer.Ordinal);
        var frameworks = new Dictionary<string, FrameworkInfo>(StringComparer.Ordinal);
        var removed = new HashSet<string>(StringComparer.Ordinal);
        var quotas = new Dictionary<string, Allocation.RoleQuota>(StringComparer.Ordinal);
        var weights = new Dictionary<string, double>(StringComparer.Ordinal);
        if (LogFile is not { } file || !File.Exists(file)) return new RegistryState([], [], []);
        foreach (var line in File.ReadLines(file))
        {
            RegistryEntry? entry;
            try
            {
                entry = JsonSerializer.Deserialize(line, RegistryJsonContext.Default.RegistryEntry);
            }
            catch (JsonException)
            {
                continue; // The last line, torn by a crash mid-write: it was never acted on.
            }
            if (entry?.Id is not { } id) continue;
            switch (entry.Kind)
            {
                case RegistryEntryKind.AgentAdmitted: agents[id] = entry; break;
                case RegistryEntryKind.AgentRemoved: agents.Remove(id); break;
                case RegistryEntryKind.FrameworkAdded when entry.Framework is not null: frameworks[id] = entry.Framework; break;
                case RegistryEntryKind.FrameworkRemoved: frameworks.Remove(id); removed.Add(id); break;
                case RegistryEntryKind.QuotaSet when entry.Quota is null: quotas.Remove(id); break;
                case RegistryEntryKind.QuotaSet: quotas[id] = entry.Quota; break;
                case RegistryEntryKind.WeightSet when entry.Weight is { } weight: weights[id] = weight; break;
            }
        }
        var state = new RegistryState([.. agents.Values], [.. frameworks.Values], [.. removed])
        {
            Quotas = quotas.ToImmutableDictionary(StringComparer.Ordinal),
            Weights = weights.ToImmutableDictionary(StringComparer.Ordinal),
        };
        Compact(file, state);
        return state;
    }

    private static void Compact(string file, RegistryState state)
    {
        var lines = new StringBuilder();
        foreach (var agent in state.Agents) lines.AppendLine(Serialize(agent));
        foreach (var framework in state.Frameworks) lines.AppendLine(Serialize(new RegistryEntry(RegistryEntryKind.FrameworkAdded) { Id = framework.FrameworkId, Framework = framework }));
        foreach (var id in state.RemovedFrameworks) lines.AppendLine(Serialize(new RegistryEntry(RegistryEntryKind.FrameworkRemoved) { Id = id }));
        foreach (var (role, quota) in state.Quotas) lines.AppendLine(Serialize(new RegistryEntry(RegistryEntryKind.QuotaSet) { Id = role, Quota = quota }));
        foreach (var (role, weight) in state.Weights) lines.AppendLine(Serialize(new RegistryEntry(RegistryEntryKind.WeightSet) { Id = role, Weight = weight }));
        var temp = file + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            stream.Write(Encoding.UTF8.GetBytes(lines.ToString()));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, file, overwrite: true);
    }

    private void Record(RegistryEntry entry)
    {
        if (directory is not null) Post(entry);
    }

    protected override void Handle(RegistryEntry entry)
    {
        if (LogFile is not { } file) return;
        Directory.CreateDirectory(directory!);
        using var stream = new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.Read);
        stream.Write(Encoding.UTF8.GetBytes(Serialize(entry) + "\n"));
        stream.Flush(flushToDisk: true);
    }

    private static string Serialize(RegistryEntry entry) => JsonSerializer.Serialize(entry, RegistryJsonContext.Default.RegistryEntry);
}

internal enum RegistryEntryKind { AgentAdmitted, AgentRemoved, FrameworkAdded, FrameworkRemoved, QuotaSet, WeightSet }

internal sealed record RegistryEntry(RegistryEntryKind Kind)
{
    public string? Id { get; init; }
    public string? Hostname { get; init; }
    public Resources? Resources { get; init; }
    public ImmutableDictionary<string, string>? Attributes { get; init; }
    public ImmutableArray<TaskKind>? TaskKinds { get; init; }
    public FrameworkInfo? Framework { get; init; }
    public Allocation.RoleQuota? Quota { get; init; }
    public double? Weight { get; init; }
}

internal sealed record RegistryState(ImmutableArray<RegistryEntry> Agents, ImmutableArray<FrameworkInfo> Frameworks, ImmutableArray<string> RemovedFrameworks)
{
    public ImmutableDictionary<string, Allocation.RoleQuota> Quotas { get; init; } = ImmutableDictionary<string, Allocation.RoleQuota>.Empty;
    public ImmutableDictionary<string, double> Weights { get; init; } = ImmutableDictionary<string, double>.Empty;
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RegistryEntry))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;
