namespace Embedded.Orchestration.Master;

/// <summary>
/// The master's tasks: the active ones, and the most recently ended, kept so that reconciliation
/// can answer their final state (Mesos forgets them sooner). Owned by the master's loop.
/// </summary>
internal sealed class TaskBook(int maxCompleted)
{
    private readonly Dictionary<TaskKey, TaskRecord> _active = [];
    private readonly Dictionary<TaskKey, TaskRecord> _completed = [];
    private readonly Queue<TaskKey> _completedOrder = new();

    public IEnumerable<TaskRecord> Active => _active.Values;

    public int ActiveCount => _active.Count;

    /// <summary>The ended tasks still remembered, oldest first.</summary>
    public IEnumerable<TaskRecord> Completed => _completedOrder.Where(_completed.ContainsKey).Select(k => _completed[k]);

    public TaskRecord this[TaskKey key] => _active[key];

    public bool IsActive(TaskKey key) => _active.ContainsKey(key);

    public bool IsCompleted(TaskKey key) => _completed.ContainsKey(key);

    public bool TryGetActive(TaskKey key, out TaskRecord task) => _active.TryGetValue(key, out task!);

    /// <summary>An active task, or an ended one still remembered.</summary>
    public bool TryFind(TaskKey key, out TaskRecord task) => _active.TryGetValue(key, out task!) || _completed.TryGetValue(key, out task!);

    public void Add(TaskRecord task) => _active.Add(task.Key, task);

    /// <summary>Moves an active task among the ended ones; false when it was not active.</summary>
    public bool Complete(TaskRecord task)
    {
        if (!_active.Remove(task.Key)) return false;
        _completed[task.Key] = task;
        _completedOrder.Enqueue(task.Key);
        while (_completedOrder.Count > maxCompleted) _completed.Remove(_completedOrder.Dequeue());
        return true;
    }
}
