using System.CommandLine;
using System.Text.Json;
using Embedded.Cli.Http;

namespace Embedded.Cli.Commands;

/// <summary>`embedded jobs`: every task the master knows, running and recently ended, with its state (operator GET_TASKS).</summary>
internal static class JobsCommand
{
    public static Command Create()
    {
        var connection = CommonOptions.Connection();
        var command = new Command("jobs", "List the cluster's tasks (running, then recently ended) with their states");
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => Guard.RunAsync(async () =>
        {
            using var client = connection.Connect(parse);
            using var tasks = await client.OperatorAsync("GET_TASKS", cancellationToken).ConfigureAwait(false);
            PrintTasks(tasks.RootElement.GetProperty("get_tasks"), Console.Out);
            return 0;
        }));
        return command;
    }

    public static void PrintTasks(JsonElement tasks, TextWriter output) =>
        Table.Write(output, ["task", "name", "framework", "agent", "state", "cpus", "mem", "last message"],
            MesosJson.Items(tasks, "tasks").Concat(MesosJson.Items(tasks, "completed_tasks")).Select(t =>
            {
                var last = MesosJson.Items(t, "statuses").LastOrDefault();
                return (IReadOnlyList<string>)
                [
                    MesosJson.Id(t, "task_id"), MesosJson.String(t, "name"), MesosJson.Id(t, "framework_id"), MesosJson.Id(t, "agent_id"),
                    MesosJson.String(t, "state"), MesosJson.Number(MesosJson.Scalar(t, "resources", "cpus")), MesosJson.Number(MesosJson.Scalar(t, "resources", "mem")),
                    last.ValueKind == JsonValueKind.Object ? MesosJson.String(last, "message") : "",
                ];
            }));
}
