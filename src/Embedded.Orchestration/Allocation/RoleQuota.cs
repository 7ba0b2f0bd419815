using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Allocation;

/// <summary>
/// A role's quota, as in Mesos: the allocator satisfies the <see cref="Guarantee"/> of roles
/// below it before any other allocation, holds back enough free resources (headroom) for
/// unsatisfied guarantees, and never offers a role more than its <see cref="Limit"/>. Scalars
/// only; a scalar that the limit does not name is unlimited (and, as <see cref="Resources"/> holds no
/// zeros, a limit of zero is not expressible: suppress the role's frameworks instead).
/// </summary>
public sealed record RoleQuota(Resources Guarantee, Resources? Limit = null)
{
    /// <summary>Quota from text: <c>RoleQuota.Parse("cpus:10;mem:4096", limit: "cpus:20")</c>.</summary>
    public static RoleQuota Parse(string guarantee, string? limit = null) =>
        new(Resources.Parse(guarantee), limit is null ? null : Resources.Parse(limit));

    /// <summary>Throws <see cref="ArgumentException"/> when the quota is not scalars or a guarantee exceeds its limit.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Guarantee);
        if (!Guarantee.Ranges.IsEmpty || !Guarantee.Sets.IsEmpty || Limit is { } l && (!l.Ranges.IsEmpty || !l.Sets.IsEmpty))
            throw new ArgumentException("quota guarantees and limits are scalars only, such as cpus:4;mem:4096");
        if (Limit is null) return;
        foreach (var (name, value) in Guarantee.Scalars)
            if (Limit.Scalars.TryGetValue(name, out var cap) && cap < value)
                throw new ArgumentException($"quota guarantee {name}:{value} exceeds its limit {name}:{cap}");
    }
}
