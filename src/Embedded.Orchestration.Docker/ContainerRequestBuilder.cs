using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Docker.DotNet.Models;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;
using ContainerSpec = Embedded.Orchestration.Model.ContainerSpec;
using Resources = Embedded.Orchestration.Model.Resources;

namespace Embedded.Orchestration.Docker;

/// <summary>
/// Turns a task launch into the engine's create request. Pure: the same launch, engine and allowed
/// paths give the same request, so it is tested without an engine. Whatever the engine cannot or
/// must not do is refused here with TaskInvalid, before anything is created.
/// </summary>
internal static partial class ContainerRequestBuilder
{
    public const string ManagedLabel = "embedded.managed";
    public const string AgentLabel = "embedded.agent";
    public const string FrameworkLabel = "embedded.framework";
    public const string TaskLabel = "embedded.task";
    public const string RunLabel = "embedded.run";

    /// <summary>The owner lease of the agent's work directory: what the watchdog removes when the agent's process dies.</summary>
    public const string LeaseLabel = "embedded.lease";

    private const long MiB = 1024 * 1024;

    /// <summary>Docker refuses memory limits under 6 MB; say so before it does.</summary>
    private const long MinimumMemoryBytes = 6 * MiB;

    private const int MaxNameLength = 200;

    public static CreateContainerParameters Build(TaskLaunch launch, string run, EngineFacts engine, IReadOnlyList<string> allowedHostPaths)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var task = launch.Task;
        var spec = task.Container ?? throw Invalid($"task '{task.TaskId}' has no container");
        if (string.IsNullOrWhiteSpace(spec.Image)) throw Invalid("the container has no image");

        if (spec.Os is { } os && !string.Equals(os, engine.Os, StringComparison.OrdinalIgnoreCase))
            throw Invalid($"the image needs a {os} engine, but agent {launch.AgentId}'s Docker engine runs {engine.Os} containers");

        var hostConfig = new HostConfig
        {
            NetworkMode = string.IsNullOrWhiteSpace(spec.Network) ? engine.DefaultNetwork : spec.Network,
            Isolation = Isolation(spec.Isolation, engine)!, // The models are not annotated: null means "the engine's default".
            Mounts = Mounts(spec, engine, allowedHostPaths)!,
        };
        ApplyLimits(hostConfig, task.Resources, engine);

        var exposed = new Dictionary<string, EmptyStruct>(StringComparer.Ordinal);
        if (spec.PortMappings.Length > 0)
        {
            if (hostConfig.NetworkMode is "host" or "none")
                throw Invalid($"port mappings need a network that publishes ports; network '{hostConfig.NetworkMode}' does not");
            hostConfig.PortBindings = new Dictionary<string, IList<PortBinding>>(StringComparer.Ordinal);
            foreach (var mapping in spec.PortMappings)
            {
                if (mapping.HostPort is < 1 or > 65535)
                    throw Invalid($"container port {mapping.ContainerPort} has no host port (got {mapping.HostPort}); host ports come from the task's ports resources");
                if (mapping.ContainerPort is < 1 or > 65535) throw Invalid($"container port {mapping.ContainerPort} is not between 1 and 65535");
                var key = $"{mapping.ContainerPort}/{mapping.Protocol.ToLowerInvariant()}";
                exposed[key] = default;
                if (!hostConfig.PortBindings.TryGetValue(key, out var bindings)) hostConfig.PortBindings[key] = bindings = [];
                bindings.Add(new PortBinding { HostIP = "0.0.0.0", HostPort = mapping.HostPort.ToString(CultureInfo.InvariantCulture) });
            }
        }

        return new CreateContainerParameters
        {
            Name = Name(launch.AgentId, task.TaskId, run),
            Image = ImageReference.Parse(spec.Image).FullName,
            Entrypoint = spec.Entrypoint is { } entrypoint ? [.. entrypoint] : null!,
            Cmd = spec.Command is { } command ? [.. command] : null!,
            Env = Environment(spec, launch),
            WorkingDir = string.IsNullOrWhiteSpace(spec.WorkingDirectory) ? null! : spec.WorkingDirectory,
            User = string.IsNullOrWhiteSpace(spec.User) ? null! : spec.User,
            Labels = Labels(spec, launch, run),
            ExposedPorts = exposed.Count > 0 ? exposed : null!,
            AttachStdout = false,
            AttachStderr = false,
            Tty = false,
            OpenStdin = false,
            HostConfig = hostConfig,
        };
    }

    /// <summary>embedded-&lt;agent&gt;-&lt;task&gt;-&lt;run&gt; in the characters Docker allows in names.</summary>
    public static string Name(string agentId, string taskId, string run)
    {
        var raw = $"embedded-{agentId}-{taskId}-{run}";
        var name = new StringBuilder(raw.Length);
        foreach (var c in raw) name.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '-');
        if (name.Length <= MaxNameLength) return name.ToString();

        // Too long for a name: keep the start readable and the end unique.
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(raw)))[..12];
        return name.ToString(0, MaxNameLength - 13) + "-" + hash;
    }

    private static List<string> Environment(ContainerSpec spec, TaskLaunch launch)
    {
        var env = new List<string>(spec.Environment.Count + 3);
        foreach (var (name, value) in spec.Environment.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (string.IsNullOrEmpty(name) || name.Contains('=') || name.Contains('\0'))
                throw Invalid($"environment variable name '{name}' is not valid");
            if (name.StartsWith("EMBEDDED_", StringComparison.Ordinal)) continue;
            env.Add($"{name}={value}");
        }

        // Ours last and not overridable: they say where the task runs.
        env.Add($"EMBEDDED_TASK_ID={launch.Task.TaskId}");
        env.Add($"EMBEDDED_AGENT_ID={launch.AgentId}");
        env.Add($"EMBEDDED_FRAMEWORK_ID={launch.FrameworkId}");
        return env;
    }

    private static Dictionary<string, string> Labels(ContainerSpec spec, TaskLaunch launch, string run)
    {
        var labels = new Dictionary<string, string>(spec.Labels, StringComparer.Ordinal)
        {
            [ManagedLabel] = "true",
            [AgentLabel] = launch.AgentId,
            [FrameworkLabel] = launch.FrameworkId,
            [TaskLabel] = launch.Task.TaskId,
            [RunLabel] = run,
        };
        if (launch.LeaseId is { Length: > 0 } lease) labels[LeaseLabel] = lease;
        return labels;
    }

    private static string? Isolation(ContainerIsolation isolation, EngineFacts engine)
    {
        if (isolation == ContainerIsolation.Default) return null;
        var name = isolation == ContainerIsolation.HyperV ? "hyperv" : "process";
        if (!engine.IsWindows)
            throw Invalid($"isolation '{name}' is for Windows containers; this agent's Docker engine runs {engine.Os} containers");
        return name;
    }

    private static void ApplyLimits(HostConfig host, Resources resources, EngineFacts engine)
    {
        // Hard limits, as Mesos's Docker containerizer sets them: a task gets what it was given.
        var cpus = resources.Cpus;
        if (cpus.Milli > 0) host.NanoCPUs = cpus.Milli * 1_000_000;

        var mem = resources.Mem;
        if (mem.Milli > 0)
        {
            var bytes = mem.Milli * MiB / 1000;
            if (bytes < MinimumMemoryBytes) throw Invalid($"mem {mem} MB is below the 6 MB that Docker needs for a container");
            host.Memory = bytes;

            // No swap on top: a task that needs more memory than it asked for is stopped, not slowed.
            if (!engine.IsWindows) host.MemorySwap = bytes;
        }
    }

    private static List<Mount>? Mounts(ContainerSpec spec, EngineFacts engine, IReadOnlyList<string> allowed)
    {
        if (spec.Volumes.IsDefaultOrEmpty) return null;
        var windows = engine.IsWindows;
        var mounts = new List<Mount>(spec.Volumes.Length);
        foreach (var volume in spec.Volumes)
        {
            if (string.IsNullOrWhiteSpace(volume.Source) || string.IsNullOrWhiteSpace(volume.Target))
                throw Invalid("a volume needs a source and a target");
            var target = HostPaths.Canonical(volume.Target, windows)
                ?? throw Invalid($"volume target '{volume.Target}' must be an absolute {engine.Os} path without '..' above its root");

            if (volume.IsHostPath)
            {
                var source = HostPaths.Canonical(volume.Source, windows)
                    ?? throw Invalid($"host path '{volume.Source}' is not an absolute path on this agent's {engine.Os} engine");
                if (!allowed.Any(dir => HostPaths.IsUnder(source, dir, windows)))
                {
                    throw Invalid(allowed.Count == 0
                        ? $"host path '{volume.Source}' may not be mounted: this agent allows no host paths (DockerOptions.AllowedHostPaths)"
                        : $"host path '{volume.Source}' may not be mounted: it is not under an allowed directory ({string.Join(", ", allowed)})");
                }
                mounts.Add(new Mount { Type = "bind", Source = source, Target = target, ReadOnly = volume.ReadOnly });
            }
            else
            {
                if (!VolumeName().IsMatch(volume.Source))
                    throw Invalid($"volume source '{volume.Source}' is neither an absolute host path nor a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)");
                mounts.Add(new Mount { Type = "volume", Source = volume.Source, Target = target, ReadOnly = volume.ReadOnly });
            }
        }
        return mounts;
    }

    private static TaskLaunchException Invalid(string message) => new(TaskReason.TaskInvalid, message);

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex VolumeName();
}
