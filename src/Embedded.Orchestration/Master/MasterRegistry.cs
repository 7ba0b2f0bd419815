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
/// and compacted when read once it holds more superseded lines than live ones; null directory means a master that forgets everything on restart.
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

    /// <summary>
    /// Replays the log into what is admitted now. It is rewritten compacted when its last line is torn
    /// (so that the next entry starts a line of its own) or when it has grown to more than twice the
    /// entries it holds, so that its size stays bounded while a master that restarts often does not
    /// rewrite (and fsync) the whole registry on every start.
    /// </summary>
    public RegistryState Load()
    {
        var agents = new Dictionary<string, RegistryEntry>(StringComparer.Ordinal);
        var frameworks = new Dictionary<string, FrameworkInfo>(StringComparer.Ordinal);
        var removed = new HashSet<string>(StringComparer.Ordinal);
        var quotas = new Dictionary<string, Allocation.RoleQuota>(StringComparer.Ordinal);
        var weights = new Dictionary<string, double>(StringComparer.Ordinal);
        if (LogFile is not { } file || !File.Exists(file)) return new RegistryState([], [], []);
        // One read, then UTF-8 lines straight to the deserializer: no string per line, no transcoding.
        ReadOnlySpan<byte> log = File.ReadAllBytes(file);
        // Agents mostly share their shape: equal resources, attributes and task kinds are parsed once and shared (all immutable).
        var json = new RegistryJsonContext(new JsonSerializerOptions(RegistryJsonContext.Default.Options)
        {
            Converters = { new InternedResources(), new InternedAttributes(), new InternedTaskKinds() },
        }).RegistryEntry;
        var lines = 0;
        var torn = log.Length > 0 && log[^1] != (byte)'\n';
        while (!log.IsEmpty)
        {
            var end = log.IndexOf((byte)'\n');
            var line = end < 0 ? log : log[..end];
            log = end < 0 ? [] : log[(end + 1)..];
            if (line.IsEmpty) continue;
            lines++;
            RegistryEntry? entry;
            try
            {
                entry = JsonSerializer.Deserialize(line, json);
            }
            catch (JsonException)
            {
                torn = true;
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
        var live = agents.Count + frameworks.Count + removed.Count + quotas.Count + weights.Count;
        if (torn || lines > 2 * live) Compact(file, state);
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

    /// <summary>Equal resources texts parsed once: the registry of a large cluster repeats a handful of agent shapes.</summary>
    private sealed class InternedResources : JsonConverter<Resources>
    {
        private readonly ResourcesJsonConverter _parse = new();
        private readonly Dictionary<string, Resources> _seen = new(StringComparer.Ordinal);

        public override Resources Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String) return _parse.Read(ref reader, typeToConvert, options);
            var text = reader.GetString()!;
            if (_seen.TryGetValue(text, out var known)) return known;
            var parsed = _parse.Read(ref reader, typeToConvert, options);
            _seen[text] = parsed;
            return parsed;
        }

        public override void Write(Utf8JsonWriter writer, Resources value, JsonSerializerOptions options) => _parse.Write(writer, value, options);
    }

    /// <summary>Equal attribute sets built once (an immutable dictionary each, so they can be shared).</summary>
    private sealed class InternedAttributes : JsonConverter<ImmutableDictionary<string, string>>
    {
        private readonly Dictionary<string, ImmutableDictionary<string, string>> _seen = new(StringComparer.Ordinal);
        private readonly List<KeyValuePair<string, string>> _pairs = [];
        private readonly StringBuilder _key = new();

        public override ImmutableDictionary<string, string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("attributes must be an object of strings");
            _pairs.Clear();
            _key.Clear();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (!reader.Read() || reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null)) throw new JsonException($"attribute '{name}' must be a string");
                var value = reader.GetString(); // null as the serializer would have read it
                _pairs.Add(new(name, value!));
                // Lengths first, so that no two different sets read as the same key.
                _key.Append(name.Length).Append(':').Append(name).Append(value?.Length ?? -1).Append(':').Append(value);
            }
            if (reader.TokenType != JsonTokenType.EndObject) throw new JsonException("attributes must be an object of strings");
            var key = _key.ToString();
            if (_seen.TryGetValue(key, out var known)) return known;
            var builder = ImmutableDictionary.CreateBuilder<string, string>();
            foreach (var (name, value) in _pairs) builder[name] = value; // a repeated name: the last one wins, as the serializer would have it
            var built = builder.ToImmutable();
            _seen[key] = built;
            return built;
        }

        public override void Write(Utf8JsonWriter writer, ImmutableDictionary<string, string> value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, RegistryJsonContext.Default.ImmutableDictionaryStringString);
    }

    /// <summary>Equal lists of task kinds built once.</summary>
    private sealed class InternedTaskKinds : JsonConverter<ImmutableArray<TaskKind>>
    {
        private readonly Dictionary<string, ImmutableArray<TaskKind>> _seen = new(StringComparer.Ordinal);
        private readonly List<TaskKind> _kinds = [];
        private readonly StringBuilder _key = new();

        public override ImmutableArray<TaskKind> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("task kinds must be an array");
            _kinds.Clear();
            _key.Clear();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var kind = JsonSerializer.Deserialize(ref reader, RegistryJsonContext.Default.TaskKind);
                _kinds.Add(kind);
                _key.Append((int)kind).Append(',');
            }
            var key = _key.ToString();
            if (_seen.TryGetValue(key, out var known)) return known;
            ImmutableArray<TaskKind> built = [.. _kinds];
            _seen[key] = built;
            return built;
        }

        public override void Write(Utf8JsonWriter writer, ImmutableArray<TaskKind> value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, RegistryJsonContext.Default.ImmutableArrayTaskKind);
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
[JsonSerializable(typeof(ImmutableDictionary<string, string>))]
[JsonSerializable(typeof(ImmutableArray<TaskKind>))]
[JsonSerializable(typeof(TaskKind))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;
