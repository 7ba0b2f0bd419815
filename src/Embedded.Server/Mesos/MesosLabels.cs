namespace Embedded.Server.Mesos;

/// <summary>Labels by which Embedded carries in Mesos JSON what Mesos has no field for (shared with Embedded.Client).</summary>
internal static class MesosLabels
{
    /// <summary>Names a delegate (an in-process body the master's host registered) for a task with no command and no container.</summary>
    public const string Delegate = "embedded.delegate";
}
