using Embedded.Orchestration.Scheduling;
using Embedded.Server.Http;
using Embedded.Server.Mesos;
using Embedded.Server.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Embedded.Server.Operator;

/// <summary><c>POST /api/v1</c>: the operator API's read calls, answered as master.proto's Response, and Embedded's <see cref="KillTaskCall"/> and <see cref="ServicesJson.Call"/>.</summary>
internal sealed class OperatorEndpoint(IClusterClient cluster, ClusterApiOptions options, Authenticator authenticator, ILogger logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            var principal = authenticator.Authenticate(context);
            authenticator.RequireOperator(principal);
            string type;
            KillTaskCall? kill = null;
            using (var call = await ApiRequest.ReadCallAsync(context, options.MaxRequestBodyBytes, streaming: true).ConfigureAwait(false))
            {
                type = Json.OptionalString(call.RootElement, "type") ?? throw CallException.BadRequest("Expecting 'type' to be present");
                if (type == KillTaskCall.Type) kill = KillTaskCall.Read(call.RootElement);
            }
            var ct = context.RequestAborted;
            switch (type)
            {
                case "GET_HEALTH":
                    await Answer(context, type, json => { json.WriteStartObject("get_health"); json.WriteBoolean("healthy", true); json.WriteEndObject(); }).ConfigureAwait(false);
                    break;
                case "GET_VERSION":
                    await Answer(context, type, json =>
                    {
                        json.WriteStartObject("get_version");
                        json.WriteStartObject("version_info");
                        json.WriteString("version", MasterInfo.Version);
                        json.WriteEndObject();
                        json.WriteEndObject();
                    }).ConfigureAwait(false);
                    break;
                case "GET_AGENTS":
                    var agents = await cluster.GetAgentsAsync(ct).ConfigureAwait(false);
                    await Answer(context, type, json => OperatorJson.WriteAgents(json, agents)).ConfigureAwait(false);
                    break;
                case "GET_FRAMEWORKS":
                    var forFrameworks = await cluster.GetStateAsync(ct).ConfigureAwait(false);
                    await Answer(context, type, json => OperatorJson.WriteFrameworks(json, forFrameworks.Frameworks, forFrameworks.Offers, AgentUrl.Of(context))).ConfigureAwait(false);
                    break;
                case "GET_TASKS":
                    var forTasks = await cluster.GetStateAsync(ct).ConfigureAwait(false);
                    await Answer(context, type, json => OperatorJson.WriteTasks(json, forTasks)).ConfigureAwait(false);
                    break;
                case "GET_ROLES":
                    var forRoles = await cluster.GetStateAsync(ct).ConfigureAwait(false);
                    await Answer(context, type, json => OperatorJson.WriteRoles(json, forRoles)).ConfigureAwait(false);
                    break;
                case "SUBSCRIBE":
                    await OperatorSubscription.StreamAsync(context, cluster, logger).ConfigureAwait(false);
                    break;
                case "GET_STATE":
                    var state = await cluster.GetStateAsync(ct).ConfigureAwait(false);
                    await Answer(context, type, json => OperatorJson.WriteState(json, state, AgentUrl.Of(context))).ConfigureAwait(false);
                    break;
                case ServicesJson.Call:
                    var forServices = await cluster.GetStateAsync(ct).ConfigureAwait(false);
                    await Answer(context, type, json => { json.WriteStartObject("get_services"); ServicesJson.Write(json, forServices.Services); json.WriteEndObject(); }).ConfigureAwait(false);
                    break;
                case KillTaskCall.Type:
                    await kill!.AnswerAsync(context, cluster, principal, logger).ConfigureAwait(false);
                    break;
                default:
                    throw CallException.BadRequest($"operator call '{type}' is not supported");
            }
        }
        catch (CallException e)
        {
            Log.Refused(logger, context.Request.Path, e.StatusCode, e.Message);
            await ApiRequest.WriteErrorAsync(context, e.StatusCode, e.Message).ConfigureAwait(false);
        }
    }

    private static Task Answer(HttpContext context, string type, Action<System.Text.Json.Utf8JsonWriter> body) =>
        ApiRequest.WriteJsonAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteString("type", type);
            body(json);
            json.WriteEndObject();
        });
}
