namespace Embedded.Orchestration.Model;

/// <summary>
/// What a task runs as, and so which executor an agent needs for it. Agents advertise the kinds
/// they have executors for (in their offers and in the cluster state), as Nomad fingerprints drivers.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<TaskKind>))]
public enum TaskKind
{
    /// <summary>A <see cref="CommandSpec"/> run as an OS process.</summary>
    Command,

    /// <summary>A <see cref="ContainerSpec"/> run by a container engine.</summary>
    Container,

    /// <summary>A delegate run in the agent's process.</summary>
    Delegate,
}
