using System.Net;
using System.Net.Sockets;

namespace Embedded.Testing;

/// <summary>Ports for servers a test starts.</summary>
public static class LoopbackPort
{
    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago (the system picks it, so parallel tests do not collide).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
