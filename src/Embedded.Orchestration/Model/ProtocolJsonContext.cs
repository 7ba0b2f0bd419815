using System.Text.Json;
using System.Text.Json.Serialization;

namespace Embedded.Orchestration.Model;

/// <summary>
/// Source-generated JSON for the records that cross between schedulers, master and agents, so a
/// network transport can carry them as they are.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(SchedulerEvent))]
[JsonSerializable(typeof(OfferOperation))]
[JsonSerializable(typeof(TaskInfo))]
[JsonSerializable(typeof(StatusUpdate))]
[JsonSerializable(typeof(FrameworkInfo))]
[JsonSerializable(typeof(Filters))]
internal sealed partial class ProtocolJsonContext : JsonSerializerContext;
