using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Allocation;

/// <summary>Resources of one agent that the allocator gives to one framework, to be sent as an offer.</summary>
internal readonly record struct Allocation(string FrameworkId, string AgentId, Resources Resources);
