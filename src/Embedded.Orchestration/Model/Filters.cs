namespace Embedded.Orchestration.Model;

/// <summary>How long the allocator should not re-offer declined resources (Mesos default 5 s).</summary>
public sealed record Filters(double RefuseSeconds = Filters.DefaultRefuseSeconds)
{
    public const double DefaultRefuseSeconds = 5;
    public static readonly Filters Default = new();
}
