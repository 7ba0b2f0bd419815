using System.Net;
using System.Text.Json;

namespace Embedded.Server.Mesos;

/// <summary>mesos.proto's MasterInfo for the API that answers: id, ip (as Mesos's packed uint32), port, hostname, version, address.</summary>
internal sealed record MasterInfo(string Id, string Hostname, IPAddress Ip, int Port)
{
    public const string Version = "1.11.0";

    public void Write(Utf8JsonWriter json, string property)
    {
        json.WriteStartObject(property);
        json.WriteString("id", Id);
        // Mesos packs an IPv4 address in network order into a little-endian uint32.
        var v4 = Ip.IsIPv4MappedToIPv6 ? Ip.MapToIPv4() : Ip;
        if (v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            json.WriteNumber("ip", BitConverter.ToUInt32(v4.GetAddressBytes()));
        else json.WriteNumber("ip", 0);
        json.WriteNumber("port", Port);
        json.WriteString("hostname", Hostname);
        json.WriteString("version", Version);
        json.WriteStartObject("address");
        json.WriteString("hostname", Hostname);
        json.WriteString("ip", v4.ToString());
        json.WriteNumber("port", Port);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
