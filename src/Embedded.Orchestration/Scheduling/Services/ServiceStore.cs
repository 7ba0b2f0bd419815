using System.Text.Json;
using System.Text.Json.Serialization;

namespace Embedded.Orchestration.Scheduling.Services;

/// <summary>The deployed services' specs in one JSON file, replaced whole and atomically (written beside it, then moved over it).</summary>
internal sealed class ServiceStore(string path)
{
    public string Path { get; } = path;

    public IReadOnlyList<ServiceSpec> Load()
    {
        if (!File.Exists(Path)) return [];
        using var stream = File.OpenRead(Path);
        return JsonSerializer.Deserialize(stream, ServiceJsonContext.Default.StoredServices)?.Services ?? [];
    }

    public void Save(IReadOnlyList<ServiceSpec> services)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        var temporary = Path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, new StoredServices([.. services]), ServiceJsonContext.Default.StoredServices);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, Path, overwrite: true);
    }
}

internal sealed record StoredServices(List<ServiceSpec> Services);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredServices))]
internal sealed partial class ServiceJsonContext : JsonSerializerContext;
