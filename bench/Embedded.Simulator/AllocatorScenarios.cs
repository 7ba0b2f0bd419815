using System.Diagnostics;
using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Model;
using Grant = Embedded.Orchestration.Allocation.Allocation;

namespace Embedded.Simulator;

/// <summary>
/// Scenarios that drive the real <see cref="HierarchicalAllocator"/> directly, in the shapes of
/// Mesos's HierarchicalAllocator_BENCHMARK_Test, with a hand-moved clock.
/// </summary>
internal static class AllocatorScenarios
{
    // Mesos's DeclineOffers agent and the 16 tasks pre-allocated on it (makePortRanges(31000-32000, 16)).
    public static readonly Resources MesosAgent = Resources.Parse("cpus:24;mem:4096;disk:4096;ports:[31000-32000]");
    public static readonly Resources MesosUsed = Resources.Parse("cpus:16;mem:2014;disk:1024")
        .WithRanges(Resources.PortsName, RangeSet.Of(Enumerable.Range(0, 16).Select(i => new ValueRange(31000UL + (ulong)i * 62, 31000UL + (ulong)i * 62 + 1))));

    private static readonly Filters Forever = new(int.MaxValue);

    /// <summary>Mesos's cluster: frameworks in role "*", agents each with 16 cpus used by framework i % frameworks.</summary>
    public static HierarchicalAllocator MesosCluster(int agents, int frameworks, ManualTime time, out double addMs)
    {
        var allocator = new HierarchicalAllocator(new AllocatorOptions(), time);
        for (var f = 0; f < frameworks; f++) allocator.AddFramework($"framework{f}", "*");
        var started = Stopwatch.GetTimestamp();
        for (var a = 0; a < agents; a++)
        {
            allocator.AddAgent($"agent{a}", MesosAgent);
            allocator.AddUsed($"framework{a % frameworks}", $"agent{a}", MesosUsed);
        }
        addMs = Measure.Ms(started);
        return allocator;
    }

    public sealed record CycleReport(int Agents, int Frameworks, Samples Cycles, Samples OfferingCycles, Samples CpuCycles, Samples Declines, long Offers, double AddMs, long BytesPerCycle);

    /// <summary>
    /// DeclineOffers: every offer is declined with refuse_seconds INT_MAX; frameworks × 2 rounds
    /// (or <paramref name="rounds"/>), each timing one full cycle, as Mesos does.
    /// </summary>
    public static CycleReport DeclineOffers(int agents, int frameworks, int? rounds, bool suppress = false, bool print = true)
    {
        var time = new ManualTime();
        var allocator = MesosCluster(agents, frameworks, time, out var addMs);
        var offers = new List<Grant>(agents);
        var cycles = new Samples();
        var offering = new Samples();
        var declines = new Samples();
        var cpu = new Samples();
        long totalOffers = 0, bytes = 0;
        var n = rounds ?? frameworks * 2;
        var suppressed = new HashSet<string>();
        for (var round = 0; round < n; round++)
        {
            var started = Stopwatch.GetTimestamp();
            foreach (var offer in offers)
            {
                allocator.OfferClosed(offer.FrameworkId, offer.AgentId, offer.Resources, Forever);
                // SuppressOffers: a framework that has what it wants declines and stops asking.
                if (suppress && suppressed.Add(offer.FrameworkId)) allocator.Suppress(offer.FrameworkId);
            }
            if (offers.Count > 0) declines.Add(Measure.Ms(started));
            offers.Clear();
            time.Advance(TimeSpan.FromSeconds(1));

            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var cpuBefore = ThreadCpu.NowMs();
            started = Stopwatch.GetTimestamp();
            allocator.Allocate(offers);
            var ms = Measure.Ms(started);
            cpu.Add(ThreadCpu.NowMs() - cpuBefore);
            bytes += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            cycles.Add(ms);
            if (offers.Count > 0) offering.Add(ms);
            totalOffers += offers.Count;
            if (print && (round < 3 || round % Math.Max(1, n / 10) == 0 || round == n - 1))
                Measure.Line($"  round {round,5}: allocate took {ms,8:F2} ms to make {offers.Count,6} offers");
        }
        var report = new CycleReport(agents, frameworks, cycles, offering, cpu, declines, totalOffers, addMs, cycles.Count == 0 ? 0 : bytes / cycles.Count);
        if (print)
        {
            Measure.Line($"{(suppress ? "SuppressOffers" : "DeclineOffers")} {agents} agents x {frameworks} frameworks, {n} rounds, {totalOffers} offers");
            Measure.Line($"  added agents in {addMs:F1} ms");
            Measure.Line($"  cycle:          {cycles}");
            Measure.Line($"  offering cycle: {offering}");
            Measure.Line($"  cycle CPU time: {cpu}");
            Measure.Line($"  declining a round of offers: {declines}");
            Measure.Line($"  allocated per cycle: {report.BytesPerCycle / 1024.0:F1} KiB");
        }
        return report;
    }

    /// <summary>DeclineOffers and SuppressOffers over agents {1k, 5k, 10k, 20k} x frameworks {100, 1k}: one table.</summary>
    public static void Matrix(int? rounds)
    {
        Measure.Line($"| shape | agents | frameworks | rounds | mean cycle ms | p99 ms | max ms | mean offering cycle ms | mean cycle CPU ms | max cycle CPU ms | KiB allocated / cycle |");
        Measure.Line($"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var suppress in new[] { false, true })
            foreach (var frameworks in new[] { 100, 1000 })
                foreach (var agents in new[] { 1000, 5000, 10000, 20000 })
                {
                    var r = DeclineOffers(agents, frameworks, rounds, suppress, print: false);
                    Measure.Line($"| {(suppress ? "SuppressOffers" : "DeclineOffers")} | {agents} | {frameworks} | {r.Cycles.Count} | {r.Cycles.Mean:F2} | {r.Cycles.Percentile(99):F2} | {r.Cycles.Max:F2} | {r.OfferingCycles.Mean:F2} | {r.CpuCycles.Mean:F2} | {r.CpuCycles.Max:F2} | {r.BytesPerCycle / 1024.0:F0} |");
                }
    }

    /// <summary>Adding agents one by one to a cluster with frameworks, then the first cycle over them; and what each agent costs in memory.</summary>
    public static void AddAgents(int agents, int frameworks)
    {
        var time = new ManualTime();
        var before = Measure.Retained();
        var allocator = new HierarchicalAllocator(new AllocatorOptions(), time);
        for (var f = 0; f < frameworks; f++) allocator.AddFramework($"framework{f}", $"role{f % 10}");
        var ids = Enumerable.Range(0, agents).Select(a => $"agent{a}").ToArray();
        var afterFrameworks = Measure.Retained();
        var started = Stopwatch.GetTimestamp();
        foreach (var id in ids) allocator.AddAgent(id, MesosAgent);
        var addMs = Measure.Ms(started);
        var afterAgents = Measure.Retained();
        var offers = new List<Grant>(agents);
        started = Stopwatch.GetTimestamp();
        allocator.Allocate(offers);
        var cycleMs = Measure.Ms(started);
        var afterOffers = Measure.Retained();
        Measure.Line($"AddAgents: {agents} agents to {frameworks} frameworks in 10 roles");
        Measure.Line($"  added in {addMs:F1} ms ({addMs * 1000 / agents:F2} us per agent); first cycle {cycleMs:F1} ms for {offers.Count} offers");
        Measure.Line($"  retained: {(afterAgents - afterFrameworks) / (double)agents:F0} B per agent (ids excluded), {(afterFrameworks - before) / (double)frameworks:F0} B per framework, {(afterOffers - afterAgents) / (double)Math.Max(1, offers.Count):F0} B per outstanding offer (its Resources included)");
        GC.KeepAlive(allocator);
    }

    /// <summary>Adding frameworks to a cluster of agents; then cycles until every agent is offered, declining with a filter.</summary>
    public static void AddFrameworks(int frameworks, int agents)
    {
        var time = new ManualTime();
        var allocator = new HierarchicalAllocator(new AllocatorOptions(), time);
        for (var a = 0; a < agents; a++) allocator.AddAgent($"agent{a}", MesosAgent);
        var ids = Enumerable.Range(0, frameworks).Select(f => $"framework{f}").ToArray();
        var before = Measure.Retained();
        var started = Stopwatch.GetTimestamp();
        for (var f = 0; f < frameworks; f++) allocator.AddFramework(ids[f], $"role{f % 100}");
        var addMs = Measure.Ms(started);
        var after = Measure.Retained();
        var offers = new List<Grant>(agents);
        started = Stopwatch.GetTimestamp();
        allocator.Allocate(offers);
        var cycleMs = Measure.Ms(started);
        Measure.Line($"AddFrameworks: {frameworks} frameworks in 100 roles to {agents} agents");
        Measure.Line($"  added in {addMs:F2} ms ({addMs * 1000 / frameworks:F2} us per framework), {(after - before) / (double)frameworks:F0} B retained per framework (ids excluded)");
        Measure.Line($"  first cycle {cycleMs:F1} ms for {offers.Count} offers");
        GC.KeepAlive(allocator);
    }

    /// <summary>
    /// A mixed workload: a few large service frameworks that keep long-running tasks, and hundreds
    /// of small batch frameworks whose short tasks end a few cycles later; both decline what they
    /// do not use with the default 5 s filter. One simulated second per cycle.
    /// </summary>
    public static void MultiFramework(int agents, int services, int batch, int cycles)
    {
        var time = new ManualTime();
        var allocator = new HierarchicalAllocator(new AllocatorOptions(), time);
        allocator.SetWeight("service", 2);
        var random = new Random(42);
        for (var a = 0; a < agents; a++) allocator.AddAgent($"agent{a}", Resources.Parse($"cpus:{8 << random.Next(3)};mem:{16384 << random.Next(3)};disk:100000;ports:[31000-32000]"));
        for (var s = 0; s < services; s++) allocator.AddFramework($"service{s}", "service");
        for (var b = 0; b < batch; b++) allocator.AddFramework($"batch{b}", $"batch{b % 20}");
        var serviceTask = Resources.Parse("cpus:2;mem:4096");
        var batchTask = Resources.Parse("cpus:1;mem:1024");
        var running = new List<(int Ends, string Framework, string Agent, Resources Resources)>();
        var serviceTarget = agents * 2 / services; // services want about a quarter of the cluster
        var serviceTasks = new Dictionary<string, int>();
        var offers = new List<Grant>();
        var samples = new Samples();
        long launched = 0, finished = 0, bytes = 0;
        var wall = Stopwatch.GetTimestamp();
        for (var cycle = 0; cycle < cycles; cycle++)
        {
            // Tasks that end now give their resources back.
            var kept = new List<(int, string, string, Resources)>(running.Count);
            foreach (var t in running)
                if (t.Ends == cycle) { allocator.Recover(t.Framework, t.Agent, t.Resources); finished++; }
                else kept.Add(t);
            running = kept;

            offers.Clear();
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var started = Stopwatch.GetTimestamp();
            allocator.Allocate(offers);
            samples.Add(Measure.Ms(started));
            bytes += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

            foreach (var offer in offers)
            {
                var free = offer.Resources;
                var isService = offer.FrameworkId.StartsWith("service", StringComparison.Ordinal);
                var task = isService ? serviceTask : batchTask;
                var count = 0;
                var max = isService ? serviceTarget - serviceTasks.GetValueOrDefault(offer.FrameworkId) : 4;
                while (count < max && free.Contains(task))
                {
                    free = free.Subtract(task);
                    count++;
                    running.Add((isService ? int.MaxValue : cycle + 1 + random.Next(5), offer.FrameworkId, offer.AgentId, task));
                }
                if (isService) serviceTasks[offer.FrameworkId] = serviceTasks.GetValueOrDefault(offer.FrameworkId) + count;
                launched += count;
                allocator.OfferClosed(offer.FrameworkId, offer.AgentId, free, Filters.Default);
            }
            time.Advance(TimeSpan.FromSeconds(1));
        }
        var wallMs = Measure.Ms(wall);
        Measure.Line($"MultiFramework: {agents} agents, {services} service frameworks (role service, weight 2), {batch} batch frameworks in 20 roles, {cycles} cycles");
        Measure.Line($"  cycle: {samples}");
        Measure.Line($"  tasks launched {launched}, finished {finished}, running {running.Count}; {launched / (wallMs / 1000):F0} launches per wall second including the simulated frameworks");
        Measure.Line($"  allocated per cycle: {bytes / (double)cycles / 1024:F1} KiB");
        var roles = allocator.Roles();
        Measure.Line($"  roles: {string.Join(", ", roles.Take(5).Select(r => Samples.Format($"{r.Role} share {r.Share:F3}")))} ...");
    }

    /// <summary>
    /// Roles at scale: many roles with weights and quota guarantees (and some limits), one framework
    /// each, frameworks keeping everything offered; cycles until quiet, then checks fairness.
    /// </summary>
    public static void Roles(int roles, int agents)
    {
        var time = new ManualTime();
        var options = new AllocatorOptions();
        var allocator = new HierarchicalAllocator(options, time);
        for (var a = 0; a < agents; a++) allocator.AddAgent($"agent{a}", Resources.Parse("cpus:16;mem:65536;disk:100000"));
        var totalCpus = agents * 16.0;
        // A tenth of the roles are guaranteed 0.5 agents' worth each (a twentieth of the cluster overall);
        // every fifth role is capped; weights 1..4.
        for (var r = 0; r < roles; r++)
        {
            var role = $"role{r:D4}";
            allocator.SetWeight(role, 1 + r % 4);
            Resources? limit = r % 5 == 4 ? Resources.Parse($"cpus:{totalCpus / roles / 2}") : null;
            var guarantee = r % 10 == 0 ? Resources.Parse($"cpus:{totalCpus / roles / 2}") : Resources.Empty;
            if (limit is not null || !guarantee.IsEmpty) allocator.SetQuota(role, new RoleQuota(guarantee, limit));
            allocator.AddFramework($"framework{r:D4}", role);
        }
        var offers = new List<Grant>();
        var samples = new Samples();
        var rounds = 0;
        for (; rounds < 1000; rounds++)
        {
            offers.Clear();
            var started = Stopwatch.GetTimestamp();
            allocator.Allocate(offers);
            samples.Add(Measure.Ms(started));
            if (offers.Count == 0) break;
            foreach (var o in offers) allocator.OfferClosed(o.FrameworkId, o.AgentId, Resources.Empty, null);
        }
        var all = allocator.Roles();
        var guaranteed = all.Where(r => r.Quota is { Guarantee.IsEmpty: false }).ToList();
        var belowGuarantee = guaranteed.Count(r => !r.Allocated.Contains(r.Quota!.Guarantee));
        var overLimit = all.Count(r => r.Quota?.Limit is { } l && r.Allocated.Cpus > l.Cpus);
        var free = all.Where(r => r.Quota?.Limit is null).ToList();
        var byWeight = free.GroupBy(r => r.Weight).Select(g => Samples.Format($"weight {g.Key}: mean cpus {g.Average(r => r.Allocated.Cpus.Value):F1}")).ToList();
        var shares = free.Select(r => r.Share).ToList();
        Measure.Line($"Roles: {roles} roles (weights 1-4, {guaranteed.Count} with guarantees, {all.Count(r => r.Quota?.Limit is not null)} with limits), {agents} agents");
        Measure.Line($"  cycle: {samples}; {rounds} cycles until quiet");
        Measure.Line($"  roles below guarantee: {belowGuarantee}; roles over limit: {overLimit}");
        Measure.Line($"  weighted share of unlimited roles: min {shares.Min():F4}, max {shares.Max():F4} (one agent is {16 / totalCpus:F4} of the cluster)");
        Measure.Line($"  {string.Join("; ", byWeight)}");
    }
}
