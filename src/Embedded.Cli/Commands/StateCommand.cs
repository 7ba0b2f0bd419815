using System.CommandLine;
using System.Text.Json;
using Embedded.Cli.Http;

namespace Embedded.Cli.Commands;

/// <summary>`embedded state`: the master's agents, frameworks and tasks as tables (operator GET_STATE), and its host's services (GET_SERVICES).</summary>
internal static class StateCommand
{
    public static Command Create()
    {
        var connection = CommonOptions.Connection();
        var command = new Command("state", "Print the cluster's agents, frameworks and tasks");
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => Guard.RunAsync(async () =>
        {
            using var client = connection.Connect(parse);
            using var state = await client.OperatorAsync("GET_STATE", cancellationToken).ConfigureAwait(false);
            Print(state.RootElement.GetProperty("get_state"), Console.Out);
            await PrintServicesAsync(client, Console.Out, cancellationToken).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static void Print(JsonElement state, TextWriter output)
    {
        output.WriteLine("AGENTS");
        Table.Write(output, ["id", "hostname", "reachable", "cpus (used/total)", "mem MB (used/total)", "runs", "attributes"],
            MesosJson.Items(state.GetProperty("get_agents"), "agents").Select(a =>
            {
                var info = a.GetProperty("agent_info");
                var attributes = MesosJson.Attributes(info);
                // The master says an agent's task kinds as an attribute, since Mesos's JSON has no place for them.
                var kinds = attributes.GetValueOrDefault(Embedded.Orchestration.Model.TaskKindAttribute.Name, "");
                return (IReadOnlyList<string>)
                [
                    MesosJson.Id(info, "id"), MesosJson.String(info, "hostname"), a.GetProperty("active").GetBoolean() ? "yes" : "no",
                    Used(a, "cpus"), Used(a, "mem"), kinds,
                    string.Join(",", attributes.Where(p => p.Key != Embedded.Orchestration.Model.TaskKindAttribute.Name)
                        .OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")),
                ];
            }));
        output.WriteLine();
        output.WriteLine("FRAMEWORKS");
        Table.Write(output, ["id", "name", "role", "connected"],
            MesosJson.Items(state.GetProperty("get_frameworks"), "frameworks").Select(f =>
            {
                var info = f.GetProperty("framework_info");
                var roles = MesosJson.Items(info, "roles").Select(r => r.GetString() ?? "").ToList();
                return (IReadOnlyList<string>)
                [
                    MesosJson.Id(info, "id"), MesosJson.String(info, "name"),
                    roles.Count > 0 ? string.Join(",", roles) : MesosJson.String(info, "role"), f.GetProperty("connected").GetBoolean() ? "yes" : "no",
                ];
            }));
        output.WriteLine();
        output.WriteLine("TASKS");
        JobsCommand.PrintTasks(state.GetProperty("get_tasks"), output);
    }

    /// <summary>Embedded's GET_SERVICES, when the master's host keeps any (a master that does not know the call has none).</summary>
    private static async Task PrintServicesAsync(MasterClient client, TextWriter output, CancellationToken cancellationToken)
    {
        JsonDocument answer;
        try
        {
            answer = await client.OperatorAsync(Embedded.Client.ServicesReader.Call, cancellationToken).ConfigureAwait(false);
        }
        catch (MasterException e) when (e is not MasterAuthenticationException)
        {
            return;
        }
        using (answer)
        {
            var services = MesosJson.Items(answer.RootElement.GetProperty("get_services"), "services").ToList();
            if (services.Count == 0) return;
            output.WriteLine();
            output.WriteLine("SERVICES");
            Table.Write(output, ["name", "version", "healthy", "instances"], services.Select(s =>
            {
                var launched = MesosJson.Items(s, "launched").ToList();
                return (IReadOnlyList<string>)
                [
                    MesosJson.String(s, "name"), $"{s.GetProperty("version").GetInt32()}",
                    $"{launched.Count(i => i.GetProperty("healthy").GetBoolean())}/{s.GetProperty("instances").GetInt32()}",
                    string.Join(" ", launched.Select(i =>
                        $"{MesosJson.Id(i, "task_id")}@{MesosJson.String(i, "hostname")}:{MesosJson.String(i, "state").Replace("TASK_", "", StringComparison.Ordinal)}{(i.GetProperty("healthy").GetBoolean() ? "" : "(unhealthy)")}")),
                ];
            }));
        }
    }

    private static string Used(JsonElement agent, string name) =>
        $"{MesosJson.Number(MesosJson.Scalar(agent, "allocated_resources", name))}/{MesosJson.Number(MesosJson.Scalar(agent, "total_resources", name))}";
}
