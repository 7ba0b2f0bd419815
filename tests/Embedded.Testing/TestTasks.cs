using System.Collections.Immutable;
using System.Threading.Channels;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.Time.Testing;

namespace Embedded.Testing;

/// <summary>Tasks for tests: shell commands with small resources.</summary>
public static class TestTasks
{
    public const string SmallResources = "cpus:0.1;mem:32";

    /// <summary>A task that runs <paramref name="command"/> through /bin/sh; the master fills in the agent when it is empty.</summary>
    public static TaskInfo Shell(string taskId, string command, string agentId = "", string resources = SmallResources) =>
        new(taskId, taskId, agentId, Resources.Parse(resources)) { Command = new CommandSpec(command) };

    /// <summary>A task that runs the registered delegate <paramref name="name"/>.</summary>
    public static TaskInfo Delegate(string taskId, string name, string agentId = "", string resources = SmallResources) =>
        new(taskId, taskId, agentId, Resources.Parse(resources)) { Delegate = name };

    public static Task Launch(this SchedulerSession session, Offer offer, params TaskInfo[] tasks) =>
        session.LaunchAsync(offer, tasks);

    public static Task Accept(this SchedulerSession session, IEnumerable<string> offerIds, params TaskInfo[] tasks) =>
        session.AcceptAsync(offerIds, [new LaunchOperation(tasks.ToImmutableArray())]);
}
