using Embedded.Orchestration.Transport;
using Embedded.Server.Http;
using Embedded.Server.Mesos;
using Embedded.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Embedded.Server.Agents;

/// <summary>
/// <c>GET /api/v1/agents/connect</c>: agents of other processes join the app's master here, on a WebSocket
/// that carries the master-agent protocol. On the API's own port, so one URL names the master for
/// frameworks, operators and agents alike; its own pipeline adds the WebSocket middleware, so the app
/// needs no <c>UseWebSockets</c>. The agent must authenticate as an agent principal when authentication is on.
/// </summary>
internal static class AgentLinkEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints, AgentGateway gateway, Authenticator authenticator, ClusterApiOptions options, ILogger logger, CancellationToken stopping)
    {
        var pipeline = endpoints.CreateApplicationBuilder()
            .UseWebSockets(new WebSocketOptions { KeepAliveInterval = options.AgentKeepAliveInterval, KeepAliveTimeout = options.AgentKeepAliveTimeout });
        pipeline.Run(context => HandleAsync(context, gateway, authenticator, logger, stopping));
        endpoints.Map(MasterConnection.Path, pipeline.Build());
    }

    private static async Task HandleAsync(HttpContext context, AgentGateway gateway, Authenticator authenticator, ILogger logger, CancellationToken stopping)
    {
        try
        {
            authenticator.RequireAgent(authenticator.Authenticate(context));
            if (!context.WebSockets.IsWebSocketRequest)
                throw new CallException(400, "Agents connect here with a WebSocket (GET with 'Upgrade: websocket'), as `embedded agent --master URL` does");
        }
        catch (CallException e)
        {
            Log.Refused(logger, context.Request.Path, e.StatusCode, e.Message);
            await ApiRequest.WriteErrorAsync(context, e.StatusCode, e.Message).ConfigureAwait(false);
            return;
        }
        var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        await gateway.RunAsync(socket, $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}", linked.Token).ConfigureAwait(false);
    }
}
