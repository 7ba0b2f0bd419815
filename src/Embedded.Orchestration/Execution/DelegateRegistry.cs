using System.Collections.Concurrent;

namespace Embedded.Orchestration.Execution;

/// <summary>
/// In-process task bodies by name, so a <see cref="Model.TaskInfo"/> stays plain data and names the
/// delegate it runs. Shared by the agents of one cluster; entries are immutable delegates.
/// </summary>
public sealed class DelegateRegistry
{
    private readonly ConcurrentDictionary<string, TaskDelegate> _delegates = new(StringComparer.Ordinal);

    public void Register(string name, TaskDelegate body)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(body);
        _delegates[name] = body;
    }

    public bool Unregister(string name) => _delegates.TryRemove(name, out _);

    public bool TryGet(string name, out TaskDelegate body) => _delegates.TryGetValue(name, out body!);
}

/// <summary>The body of an in-process task: returns its exit code, 0 for success.</summary>
public delegate Task<int> TaskDelegate(TaskContext context, CancellationToken cancellationToken);

/// <summary>What an in-process task sees of itself: ids, environment, sandbox, output writers and the messages its framework sends it.</summary>
public sealed record TaskContext(
    string TaskId,
    string AgentId,
    string SandboxDirectory,
    IReadOnlyDictionary<string, string> Environment,
    TextWriter Stdout,
    TextWriter Stderr)
{
    private static readonly System.Threading.Channels.ChannelReader<ReadOnlyMemory<byte>> NoMessages =
        System.Threading.Channels.Channel.CreateUnbounded<ReadOnlyMemory<byte>>().Reader;

    private static readonly Action<ReadOnlyMemory<byte>> Discard = static _ => { };

    // What a context made by hand was given. A running task's context asks its link instead and keeps none of it,
    // since a host may hold a hundred thousand of them.
    private readonly Given? _given = Given.Of(SandboxDirectory, Stdout, Stderr);

    /// <summary>A running task's context, whose writers and sandbox the task makes when first asked for.</summary>
    internal TaskContext(string taskId, string agentId, IReadOnlyDictionary<string, string> environment, ITaskLink link)
        : this(taskId, agentId, null!, environment, null!, null!) => Link = link;

    /// <summary>What the task writes as its standard output.</summary>
    public TextWriter Stdout
    {
        get => _given?.Stdout ?? Link!.Output(error: false);
        init => _given = (_given ?? Given.None) with { Stdout = value };
    }

    /// <summary>What the task writes as its standard error.</summary>
    public TextWriter Stderr
    {
        get => _given?.Stderr ?? Link!.Output(error: true);
        init => _given = (_given ?? Given.None) with { Stderr = value };
    }

    /// <summary>The task's own directory, made when first asked for.</summary>
    public string SandboxDirectory
    {
        get => Link is { } link ? link.Sandbox() : _given?.Sandbox!;
        init => _given = (_given ?? Given.None) with { Sandbox = value };
    }

    /// <summary>The running task behind this context; its message channel is made only once a task reads or gets a message.</summary>
    internal ITaskLink? Link { get; init; }

    /// <summary>Sends a message to the task's framework, which reads it as a <see cref="Model.MessageEvent"/>; best effort.</summary>
    public Action<ReadOnlyMemory<byte>> SendToFramework
    {
        get => _given?.Send ?? Link?.Send ?? Discard;
        init => _given = (_given ?? Given.None) with { Send = value };
    }

    /// <summary>The task's host ports (its <c>ports</c> resource, ascending): what a command task reads as PORT0, PORT1, ….</summary>
    public IReadOnlyList<int> Ports { get; init; } = [];

    /// <summary>Framework messages (<c>SchedulerSession.MessageAsync</c>) to this task, in the order they were sent.</summary>
    public System.Threading.Channels.ChannelReader<ReadOnlyMemory<byte>> Messages
    {
        get => _given?.Messages ?? Link?.Messages ?? NoMessages;
        init => _given = (_given ?? Given.None) with { Messages = value };
    }

    /// <summary>Immutable, so that a <c>with</c> copy sharing it never changes the original.</summary>
    private sealed record Given(
        string? Sandbox,
        TextWriter? Stdout,
        TextWriter? Stderr,
        Action<ReadOnlyMemory<byte>>? Send,
        System.Threading.Channels.ChannelReader<ReadOnlyMemory<byte>>? Messages)
    {
        public static readonly Given None = new(null, null, null, null, null);

        public static Given? Of(string? sandbox, TextWriter? stdout, TextWriter? stderr) =>
            sandbox is null && stdout is null && stderr is null ? null : new(sandbox, stdout, stderr, null, null);
    }
}

/// <summary>A running in-process task as its context reaches it: messages from its framework, and a way to send it some.</summary>
internal interface ITaskLink
{
    System.Threading.Channels.ChannelReader<ReadOnlyMemory<byte>> Messages { get; }

    /// <summary>Sends a message to the task's framework; one delegate for the task, made at first use.</summary>
    Action<ReadOnlyMemory<byte>> Send { get; }

    /// <summary>The task's sandbox, made if it is not there yet (cheap once it is).</summary>
    string Sandbox();

    /// <summary>The writer of the task's stdout or stderr, made at first use.</summary>
    TextWriter Output(bool error);
}
