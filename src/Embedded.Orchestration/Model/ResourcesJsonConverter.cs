using System.Text.Json;
using System.Text.Json.Serialization;

namespace Embedded.Orchestration.Model;

/// <summary>Writes resources in their text form, <c>"cpus:4;mem:8192;ports:[31000-32000]"</c>, and reads it back.</summary>
internal sealed class ResourcesJsonConverter : JsonConverter<Resources>
{
    public override Resources Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? throw new JsonException("resources must be a string such as \"cpus:1;mem:128\"");
        try
        {
            return Resources.Parse(text);
        }
        catch (FormatException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    public override void Write(Utf8JsonWriter writer, Resources value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
