using System.Collections.Immutable;
using System.Text.Json;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling.Services;

namespace Embedded.Client;

/// <summary>Reads Embedded's <c>GET_SERVICES</c> answer: the services the master's host keeps.</summary>
internal static class ServicesReader
{
    public const string Call = "GET_SERVICES";

    public static ImmutableArray<ServiceSnapshot> Read(JsonElement getServices) =>
        [.. MesosJson.Items(getServices, "services").Select(s => new ServiceSnapshot(
            MesosJson.String(s, "name") ?? throw new InvalidDataException("the master sent a service without a name"),
            (int)(MesosJson.Number(s, "version") ?? 0),
            (int)(MesosJson.Number(s, "instances") ?? 0),
            MesosJson.Get(s, "healthy")?.GetBoolean() ?? false,
            [.. MesosJson.Items(s, "launched").Select(Instance)]))];

    private static ServiceInstance Instance(JsonElement i) => new(
        MesosJson.RequiredId(i, "task_id"),
        (int)(MesosJson.Number(i, "version") ?? 0),
        MesosJson.Id(i, "agent_id") ?? "",
        MesosJson.String(i, "hostname") ?? "",
        MesosJson.Enum(MesosJson.String(i, "state"), "TASK_", TaskState.Unknown),
        MesosJson.Get(i, "healthy")?.GetBoolean() ?? false,
        [.. MesosJson.Items(i, "ports").Select(p => new ServicePort(MesosJson.String(p, "name") ?? "", (int)(MesosJson.Number(p, "host_port") ?? 0)))]);
}
