using System.Collections.Immutable;
using System.Text.Json;
using Embedded.Orchestration.Model;

namespace Embedded.Server.Mesos;

/// <summary>mesos.proto's TaskInfo to ours: a command (shell or argv), or a DOCKER container, with resources and labels.</summary>
internal static class MesosTaskInfos
{

    public static TaskInfo Read(JsonElement t, int maxItems)
    {
        var taskId = Json.RequiredId(t, "task_id", "a task");
        var agentId = Json.RequiredId(t, "agent_id", $"task {taskId}");
        var name = Json.OptionalString(t, "name") ?? taskId;
        var resources = Json.Array(t, "resources") is { } r ? MesosResources.Read(r, maxItems) : Resources.Empty;
        if (Json.Has(t, "executor")) throw CallException.BadRequest($"task {taskId}: custom executors are not supported; give a command or a container");
        var commandInfo = Json.Object(t, "command");
        var command = commandInfo is { } c ? Command(c, taskId, maxItems) : null;
        ContainerSpec? container = null;
        if (Json.Object(t, "container") is { } ci)
        {
            container = Container(ci, command, commandInfo is { } info ? Argv(info, taskId, maxItems) : [], taskId, maxItems);
            command = null;
        }
        var labels = Labels(t, maxItems);
        var body = command is null && container is null ? labels.GetValueOrDefault(MesosLabels.Delegate) : null;
        var task = new TaskInfo(taskId, name, agentId, resources)
        {
            Command = command,
            Container = container,
            Delegate = body,
            Labels = body is null ? labels : labels.Remove(MesosLabels.Delegate),
            MaxCompletionTime = Json.Duration(t, "max_completion_time"),
            KillGracePeriod = Json.Object(t, "kill_policy") is { } kp ? Json.Duration(kp, "grace_period") : null,
        };
        return task with { HealthCheck = MesosHealthChecks.Read(t, task, maxItems) };
    }

    private static int? Port(JsonElement p, string name, string taskId) => Json.UInt64(p, name) switch
    {
        null => null,
        <= 65535 and var port => (int)port,
        var port => throw CallException.BadRequest($"task {taskId}: {name} {port} is not a port"),
    };

    private static CommandSpec Command(JsonElement c, string taskId, int maxItems)
    {
        var shell = Json.Bool(c, "shell") ?? true;
        var value = Json.OptionalString(c, "value") ?? "";
        // Mesos's arguments are the whole argv, argv[0] included; ours are what follows the program.
        var argv = Argv(c, taskId, maxItems);
        if (Json.Has(c, "uris")) throw CallException.BadRequest($"task {taskId}: command.uris (fetching) is not supported");
        return new CommandSpec(value)
        {
            Shell = shell,
            Arguments = shell ? [] : argv.IsEmpty ? [] : argv.RemoveAt(0),
            Environment = Environment(c, taskId, maxItems),
            WorkingDirectory = null,
        };
    }

    private static ImmutableArray<string> Argv(JsonElement c, string taskId, int maxItems) =>
        [.. Json.Items(c, "arguments", maxItems).Select(a => a.ValueKind == JsonValueKind.String ? a.GetString()! : throw CallException.BadRequest($"task {taskId}: arguments must be strings"))];

    private static ImmutableDictionary<string, string> Environment(JsonElement c, string taskId, int maxItems)
    {
        if (Json.Object(c, "environment") is not { } env) return ImmutableDictionary<string, string>.Empty;
        var result = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var v in Json.Items(env, "variables", maxItems))
            result[Json.RequiredString(v, "name", $"task {taskId}: an environment variable")] = Json.OptionalString(v, "value") ?? "";
        return result.ToImmutable();
    }

    private static ImmutableDictionary<string, string> Labels(JsonElement t, int maxItems)
    {
        if (Json.Object(t, "labels") is not { } labels) return ImmutableDictionary<string, string>.Empty;
        var result = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var l in Json.Items(labels, "labels", maxItems))
            result[Json.RequiredString(l, "key", "a label")] = Json.OptionalString(l, "value") ?? "";
        return result.ToImmutable();
    }

    /// <summary>
    /// A DOCKER ContainerInfo. As Mesos's Docker containerizer does: a shell command runs as
    /// <c>sh -c value</c> in place of the entrypoint; otherwise value (when set) replaces the
    /// entrypoint and the arguments, all of them (docker has no argv[0] to drop), are its command.
    /// </summary>
    private static ContainerSpec Container(JsonElement ci, CommandSpec? command, ImmutableArray<string> argv, string taskId, int maxItems)
    {
        var type = Json.OptionalString(ci, "type") ?? "DOCKER";
        if (type != "DOCKER") throw CallException.BadRequest($"task {taskId}: container type {type} is not supported; use DOCKER");
        var docker = Json.Object(ci, "docker") ?? throw CallException.BadRequest($"task {taskId}: a DOCKER container needs 'docker.image'");
        var image = Json.RequiredString(docker, "image", $"task {taskId}: docker");
        var spec = new ContainerSpec(image)
        {
            Network = Json.OptionalString(docker, "network") switch
            {
                null => null,
                "HOST" => "host",
                "BRIDGE" => "bridge",
                "NONE" => "none",
                "USER" => null,
                var n => throw CallException.BadRequest($"task {taskId}: docker network {n} is unknown"),
            },
            Pull = Json.Bool(docker, "force_pull_image") == true ? PullPolicy.Always : PullPolicy.IfNotPresent,
            PortMappings = [.. Json.Items(docker, "port_mappings", maxItems).Select(p => new PortMapping(
                Port(p, "container_port", taskId) ?? throw CallException.BadRequest($"task {taskId}: a port mapping has no container_port"),
                Port(p, "host_port", taskId) ?? 0,
                Json.OptionalString(p, "protocol") ?? "tcp"))],
            Volumes = [.. Json.Items(ci, "volumes", maxItems).Select(v => new VolumeMount(
                Json.OptionalString(v, "host_path") ?? throw CallException.BadRequest($"task {taskId}: a volume has no host_path"),
                Json.RequiredString(v, "container_path", $"task {taskId}: a volume"),
                Json.OptionalString(v, "mode") == "RO"))],
        };
        if (command is null) return spec;
        spec = spec with { Environment = command.Environment };
        if (command.Shell)
            return command.Value.Length == 0 ? spec : spec with { Entrypoint = ["/bin/sh", "-c"], Command = [command.Value] };
        return spec with
        {
            Entrypoint = command.Value.Length == 0 ? null : [command.Value],
            Command = argv.IsEmpty ? null : argv,
        };
    }
}
