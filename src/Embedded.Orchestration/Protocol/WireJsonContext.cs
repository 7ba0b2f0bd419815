using System.Text.Json;
using System.Text.Json.Serialization;

namespace Embedded.Orchestration.Protocol;

/// <summary>
/// Source-generated JSON for the records between master and agents, each tagged with its type, so a
/// network link carries exactly what the in-process link does.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(AgentMessage))]
[JsonSerializable(typeof(MasterMessage))]
internal sealed partial class WireJsonContext : JsonSerializerContext;
