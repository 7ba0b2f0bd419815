using System.Net.Sockets;

namespace Embedded.Orchestration.Agent.Health;

/// <summary>A TCP connect: passes when the port accepts a connection.</summary>
internal sealed class TcpProbe(string host, int port) : IHealthProbe
{
    public string Description { get; } = $"TCP connect to {host}:{port}";

    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            return new ProbeResult(true, $"{Description} accepted");
        }
        catch (SocketException e) when (!cancellationToken.IsCancellationRequested)
        {
            return new ProbeResult(false, e.SocketErrorCode == SocketError.ConnectionRefused ? $"{Description} refused" : $"{Description} failed: {e.Message}");
        }
    }
}
