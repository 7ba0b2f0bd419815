using System.CommandLine;

namespace Embedded.Cli.Commands;

/// <summary>
/// `embedded kill TASK`: kills a task as an operator, through Embedded's KILL_TASK operator call
/// (Mesos's operator API has none); the task's framework sees TASK_KILLED saying an operator killed it.
/// </summary>
internal static class KillCommand
{
    public static Command Create()
    {
        var task = new Argument<string>("task") { Description = "The task id (see `embedded jobs`)" };
        var framework = new Option<string?>("--framework") { HelpName = "ID", Description = "The framework that owns the task, when several frameworks use the same task id" };
        var grace = new Option<double?>("--grace") { HelpName = "SECONDS", Description = "Seconds the task gets to stop after SIGTERM before it is killed (default: the task's own grace period)" };
        grace.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double?>() is { } seconds && (seconds < 0 || !double.IsFinite(seconds))) r.AddError("--grace must be 0 or more seconds");
        });
        var connection = CommonOptions.Connection();
        var command = new Command("kill",
            "Kill a task as an operator: its framework sees TASK_KILLED (an `embedded run` of it then exits non-zero). " +
            "A master that requires authentication needs an operator principal (`embedded dev --operator P`)")
        {
            task, framework, grace,
        };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => Guard.RunAsync(async () =>
        {
            var id = parse.GetValue(task)!;
            using var client = connection.Connect(parse);
            var (status, message) = await client.KillTaskAsync(id, parse.GetValue(framework), parse.GetValue(grace), cancellationToken).ConfigureAwait(false);
            if (status == System.Net.HttpStatusCode.Accepted)
            {
                await Console.Out.WriteLineAsync($"killed {id}").ConfigureAwait(false);
                return 0;
            }
            var hint = status == System.Net.HttpStatusCode.BadRequest && parse.GetValue(framework) is null ? " (pass --framework ID)" : "";
            await Console.Error.WriteLineAsync($"embedded kill: {message}{hint}").ConfigureAwait(false);
            return 1;
        }));
        return command;
    }
}
