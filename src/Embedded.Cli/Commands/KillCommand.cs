using System.CommandLine;

namespace Embedded.Cli.Commands;

/// <summary>
/// `embedded kill TASK`: refused for now. The API has no operator kill, and Mesos lets a framework
/// kill only its own tasks, so a CLI that is not the task's framework has no call to make.
/// </summary>
internal static class KillCommand
{
    public static Command Create()
    {
        var task = new Argument<string>("task") { Description = "The task id (see `embedded jobs`)" };
        var framework = new Option<string>("--framework") { Description = "The framework that owns the task" };
        var master = CommonOptions.Master();
        var command = new Command("kill", "Kill a task (not supported yet: the HTTP API has no operator kill)") { task, framework, master };
        command.SetAction(parse =>
        {
            Console.Error.WriteLine(
                $"embedded kill: not supported yet: the master's HTTP API has no operator kill call, and only the framework that launched " +
                $"task {parse.GetValue(task)} may kill it. Stop an `embedded run` with Ctrl-C (it kills its task), or kill it from its framework.");
            return 3;
        });
        return command;
    }
}
