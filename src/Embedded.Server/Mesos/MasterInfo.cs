using System.Net;
using System.Text.Json;
using Embedded.Server.Http;
using Microsoft.AspNetCore.Http;

namespace Embedded.Server.Mesos;

/// <summary>mesos.proto's MasterInfo for the API that answers: id, ip (as Mesos's packed uint32), port, hostname, version, address.</summary>
internal sealed record MasterInfo(string Id, string Hostname, IPAddress Ip, int Port)
{
    public const string Version = "1.11.0";

    /// <summary>The master as the request reached it: this host's name and the address and port the request came in on.</summary>
    public static MasterInfo Of(string id, HttpContext context) =>
        new(id, Dns.GetHostName(), ApiRequest.LocalAddress(context), context.Connection.LocalPort);

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
