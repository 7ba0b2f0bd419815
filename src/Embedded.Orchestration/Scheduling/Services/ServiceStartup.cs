namespace Embedded.Orchestration.Scheduling.Services;

/// <summary>
/// The services a host deploys as it starts, in dependency order (Aspire's WaitFor): each one is
/// deployed once every service it depends on is healthy, those that depend on nothing at once.
/// </summary>
internal static class ServiceStartup
{
    /// <summary>What is wrong with the set: a bad spec, a name used twice, an unknown dependency or a cycle (named); null when nothing is.</summary>
    public static string? Problem(IReadOnlyList<ServiceSpec> specs)
    {
        foreach (var spec in specs)
            if (ServiceSpecValidation.Problem(spec) is { } problem) return problem;
        var byName = new Dictionary<string, ServiceSpec>(StringComparer.Ordinal);
        foreach (var spec in specs)
            if (!byName.TryAdd(spec.Name, spec)) return $"two services are named '{spec.Name}'";
        foreach (var spec in specs)
            foreach (var dependency in spec.DependsOn)
                if (!byName.ContainsKey(dependency)) return $"service '{spec.Name}' depends on '{dependency}', which is not a service of this host";
        return Order(specs, byName) is { Cycle: { } cycle } ? $"services depend on each other in a cycle: {string.Join(" -> ", cycle)}" : null;
    }

    /// <summary>
    /// Deploys every service with <paramref name="deployAndWait"/> (which returns once it is healthy), each
    /// only after those it depends on; completes when all are healthy, and throws the first failure.
    /// </summary>
    public static async Task RunAsync(IReadOnlyList<ServiceSpec> specs, Func<ServiceSpec, CancellationToken, Task> deployAndWait, CancellationToken cancellationToken)
    {
        if (Problem(specs) is { } problem) throw new ArgumentException(problem, nameof(specs));
        var byName = specs.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var healthy = new Dictionary<string, Task>(StringComparer.Ordinal);
        foreach (var spec in Order(specs, byName).Sorted)
        {
            var dependencies = spec.DependsOn.Select(d => healthy[d]).ToArray();
            healthy[spec.Name] = StartAsync(spec, dependencies);
        }
        await Task.WhenAll(healthy.Values).ConfigureAwait(false);

        async Task StartAsync(ServiceSpec spec, Task[] dependencies)
        {
            await Task.WhenAll(dependencies).ConfigureAwait(false);
            await deployAndWait(spec, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The specs with every dependency before its dependents, or the first cycle found.</summary>
    private static (List<ServiceSpec> Sorted, List<string>? Cycle) Order(IReadOnlyList<ServiceSpec> specs, Dictionary<string, ServiceSpec> byName)
    {
        var sorted = new List<ServiceSpec>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();
        List<string>? Visit(ServiceSpec spec)
        {
            if (done.Contains(spec.Name)) return null;
            var at = path.IndexOf(spec.Name);
            if (at >= 0) return [.. path.Skip(at), spec.Name];
            path.Add(spec.Name);
            foreach (var dependency in spec.DependsOn)
                if (byName.TryGetValue(dependency, out var next) && Visit(next) is { } cycle) return cycle;
            path.RemoveAt(path.Count - 1);
            done.Add(spec.Name);
            sorted.Add(spec);
            return null;
        }
        foreach (var spec in specs)
            if (Visit(spec) is { } cycle) return (sorted, cycle);
        return (sorted, null);
    }
}
