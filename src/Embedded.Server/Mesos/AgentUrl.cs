using Embedded.Server.Http;
using Microsoft.AspNetCore.Http;

namespace Embedded.Server.Mesos;

/// <summary>
/// Where an offer says its agent is (Mesos's Offer.url). Our agents live in the API's process and
/// serve no HTTP of their own, so this is the API's own address (and scheme, http or https); clients only need it to be present.
/// </summary>
internal sealed record AgentUrl(string Scheme, string Ip, int Port)
{
    /// <summary>The address the request came in on.</summary>
    public static AgentUrl Of(HttpContext context) =>
        new(context.Request.Scheme, ApiRequest.LocalAddress(context).ToString(), context.Connection.LocalPort);
}
