using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Master;

/// <summary>
/// What the active tasks use on each agent, summed in one pass over the tasks for a state snapshot:
/// scalars as dense vectors (as the allocator keeps them), ranges and sets added only where a task has
/// some, so that 100,000 tasks cost neither a lookup each nor a new <see cref="Resources"/> each.
/// The sums equal <see cref="Resources.Add"/> over the same tasks. Owned by the master's loop.
/// </summary>
internal sealed class AgentUsage
{
    private readonly ResourceKinds _kinds = new();
    private readonly Dictionary<string, Sum> _byAgent = new(StringComparer.Ordinal);

    public void Add(string agentId, Resources resources)
    {
        if (!_byAgent.TryGetValue(agentId, out var sum)) _byAgent.Add(agentId, sum = new Sum(_kinds.Count));
        _kinds.AddTo(ref sum.Scalars, resources, 1);
        if (!resources.Ranges.IsEmpty || !resources.Sets.IsEmpty) sum.NonScalar = sum.NonScalar.Add(resources.NonScalarPart());
    }

    public Resources Of(string agentId) =>
        _byAgent.TryGetValue(agentId, out var sum) ? _kinds.ToResources(sum.Scalars, sum.NonScalar) : Resources.Empty;

    private sealed class Sum(int kinds)
    {
        public long[] Scalars = new long[Math.Max(kinds, 4)];
        public Resources NonScalar = Resources.Empty;
    }
}
