using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Tests.Allocation;

public class DrfSorterTests
{
    private static Resources R(double cpus, double mem) => Resources.Of(cpus, mem);

    private static DrfSorter Sorter(Resources total, params string[] clients)
    {
        var sorter = new DrfSorter();
        sorter.SetTotal(total);
        foreach (var c in clients) sorter.Add(c);
        return sorter;
    }

    // ---------------------------------------------------------------- dominant share

    [Fact]
    public void Share_is_the_largest_fraction_of_any_scalar_the_client_holds()
    {
        var sorter = Sorter(R(10, 100), "cpu-heavy", "mem-heavy");

        sorter.Allocated("cpu-heavy", R(4, 10));   // cpus 0.4, mem 0.1 -> 0.4
        sorter.Allocated("mem-heavy", R(1, 50));   // cpus 0.1, mem 0.5 -> 0.5

        sorter.ShareOf("cpu-heavy").Should().BeApproximately(0.4, 1e-12);
        sorter.ShareOf("mem-heavy").Should().BeApproximately(0.5, 1e-12);
        sorter.Sorted().Should().Equal("cpu-heavy", "mem-heavy");
    }

    [Fact]
    public void The_dominant_resource_is_per_client_not_per_cluster()
    {
        var sorter = Sorter(R(10, 1000), "a", "b");

        // a: cpus 0.3 dominant; b: mem 0.35 dominant even though b holds fewer cpus.
        sorter.Allocated("a", R(3, 100));
        sorter.Allocated("b", R(0.5, 350));

        sorter.Sorted().Should().Equal("a", "b");

        sorter.Allocated("a", R(1, 0)); // a: 0.4 > 0.35
        sorter.Sorted().Should().Equal("b", "a");
    }

    [Fact]
    public void Clients_with_equal_shares_are_ordered_by_name_ordinally()
    {
        var sorter = Sorter(R(10, 100), "b", "a", "B", "c");

        sorter.Sorted().Should().Equal("B", "a", "b", "c");

        sorter.Allocated("a", R(1, 10));
        sorter.Allocated("c", R(1, 10));
        sorter.Sorted().Should().Equal("B", "b", "a", "c");
    }

    [Fact]
    public void Scalars_the_cluster_does_not_have_do_not_count()
    {
        var sorter = Sorter(R(10, 100), "a", "b");

        sorter.Allocated("a", Resources.Of(cpus: 1, gpus: 4));
        sorter.Allocated("b", R(2, 0));

        sorter.ShareOf("a").Should().BeApproximately(0.1, 1e-12);
        sorter.Sorted().Should().Equal("a", "b");
    }

    [Fact]
    public void Only_scalars_are_counted_in_an_allocation()
    {
        var sorter = Sorter(R(10, 100), "a");

        sorter.Allocated("a", Resources.Parse("cpus:1;mem:10;ports:[31000-31010];zones:{x}"));

        var held = sorter.AllocationOf("a");
        held.Should().Be(R(1, 10));
        held.Ranges.Should().BeEmpty();
        held.Sets.Should().BeEmpty();

        // Releasing ports that were never counted must not throw.
        sorter.Unallocated("a", Resources.Parse("cpus:1;mem:10;ports:[31000-31010]"));
        sorter.AllocationOf("a").IsEmpty.Should().BeTrue();
        sorter.ShareOf("a").Should().Be(0);
    }

    [Fact]
    public void A_sorter_without_a_total_gives_every_client_share_zero()
    {
        var sorter = new DrfSorter();
        sorter.Add("b");
        sorter.Add("a");

        sorter.Allocated("b", R(5, 5));

        sorter.ShareOf("b").Should().Be(0);
        sorter.Sorted().Should().Equal("a", "b");
    }

    // ---------------------------------------------------------------- the DRF paper

    [Fact]
    public void Drf_paper_example_converges_to_three_tasks_for_A_and_two_for_B()
    {
        // Ghodsi et al., "Dominant Resource Fairness", section 4: 9 cpus and 18 GB; A runs
        // tasks of <1 cpu, 4 GB>, B tasks of <3 cpus, 1 GB>. DRF gives A 3 tasks and B 2,
        // so that both have a dominant share of 2/3.
        var total = R(9, 18 * 1024);
        var task = new Dictionary<string, Resources> { ["A"] = R(1, 4 * 1024), ["B"] = R(3, 1024) };
        var sorter = Sorter(total, "A", "B");
        var free = total;
        var tasks = new Dictionary<string, int> { ["A"] = 0, ["B"] = 0 };

        while (true)
        {
            var next = sorter.Sorted().First();
            if (!free.Contains(task[next])) break; // the poorest user cannot run another task: saturated
            free = free.Subtract(task[next]);
            sorter.Allocated(next, task[next]);
            tasks[next]++;
        }

        tasks["A"].Should().Be(3);
        tasks["B"].Should().Be(2);
        sorter.ShareOf("A").Should().BeApproximately(2.0 / 3, 1e-12); // mem 12/18
        sorter.ShareOf("B").Should().BeApproximately(2.0 / 3, 1e-12); // cpus 6/9
        sorter.AllocationOf("A").Should().Be(R(3, 12 * 1024));
        sorter.AllocationOf("B").Should().Be(R(6, 2 * 1024));
        free.Should().Be(R(0, 4 * 1024));
    }

    [Fact]
    public void Drf_paper_example_sequence_of_choices()
    {
        var sorter = Sorter(R(9, 18 * 1024), "A", "B");
        var a = R(1, 4 * 1024);
        var b = R(3, 1024);
        var picks = new List<string>();

        for (var i = 0; i < 5; i++)
        {
            var next = sorter.Sorted().First();
            picks.Add(next);
            sorter.Allocated(next, next == "A" ? a : b);
        }

        // Shares before each pick: A 0 = B 0 (name), A 2/9 > B 0, A 2/9 < B 1/3, A 4/9 > B 1/3, A 4/9 < B 2/3.
        picks.Should().Equal("A", "B", "A", "B", "A");
    }

    // ---------------------------------------------------------------- weights

    [Fact]
    public void Weight_divides_the_share()
    {
        var sorter = new DrfSorter();
        sorter.SetTotal(R(100, 100));
        sorter.Add("heavy", weight: 3);
        sorter.Add("light");

        sorter.Allocated("heavy", R(30, 0)); // 0.3 / 3 = 0.1
        sorter.Allocated("light", R(20, 0)); // 0.2

        sorter.ShareOf("heavy").Should().BeApproximately(0.1, 1e-12);
        sorter.WeightOf("heavy").Should().Be(3);
        sorter.WeightOf("light").Should().Be(1);
        sorter.Sorted().Should().Equal("heavy", "light");
    }

    [Fact]
    public void SetWeight_resorts_the_client()
    {
        var sorter = Sorter(R(100, 100), "a", "b");
        sorter.Allocated("a", R(30, 0));
        sorter.Allocated("b", R(20, 0));
        sorter.Sorted().Should().Equal("b", "a");

        sorter.SetWeight("a", 2); // 0.15 < 0.2

        sorter.ShareOf("a").Should().BeApproximately(0.15, 1e-12);
        sorter.Sorted().Should().Equal("a", "b");

        sorter.SetWeight("a", 1);
        sorter.Sorted().Should().Equal("b", "a");
    }

    [Fact]
    public void Weighted_clients_converge_to_allocations_proportional_to_weight()
    {
        var sorter = new DrfSorter();
        sorter.SetTotal(R(1000, 1000));
        sorter.Add("w1", 1);
        sorter.Add("w2", 2);
        sorter.Add("w5", 5);
        var unit = R(1, 1);
        var counts = new Dictionary<string, int> { ["w1"] = 0, ["w2"] = 0, ["w5"] = 0 };

        for (var i = 0; i < 800; i++)
        {
            var next = sorter.Sorted().First();
            sorter.Allocated(next, unit);
            counts[next]++;
        }

        counts["w1"].Should().BeInRange(99, 101);
        counts["w2"].Should().BeInRange(199, 201);
        counts["w5"].Should().BeInRange(499, 501);
        counts.Values.Sum().Should().Be(800);
    }

    // ---------------------------------------------------------------- total changes

    [Fact]
    public void A_new_total_resorts_every_client()
    {
        var sorter = Sorter(R(10, 100), "a", "b");
        sorter.Allocated("a", R(6, 0));  // 0.6
        sorter.Allocated("b", R(0, 50)); // 0.5
        sorter.Sorted().Should().Equal("b", "a");

        sorter.SetTotal(R(20, 100)); // a: 0.3, b: 0.5

        sorter.Sorted().Should().Equal("a", "b");
        sorter.ShareOf("a").Should().BeApproximately(0.3, 1e-12);
    }

    [Fact]
    public void Share_reflects_a_new_total_before_anyone_enumerates()
    {
        var sorter = Sorter(R(10, 100), "a");
        sorter.Allocated("a", R(5, 0));

        sorter.SetTotal(R(20, 100));

        sorter.ShareOf("a").Should().BeApproximately(0.25, 1e-12);
    }

    [Fact]
    public void The_total_counts_scalars_only()
    {
        var sorter = new DrfSorter();
        sorter.SetTotal(Resources.Parse("cpus:10;mem:100;ports:[1-100]"));
        sorter.Add("a");
        sorter.Allocated("a", Resources.Parse("cpus:1;ports:[1-100]"));

        sorter.ShareOf("a").Should().BeApproximately(0.1, 1e-12);
    }

    [Fact]
    public void Changes_after_a_new_total_keep_the_order_consistent()
    {
        var sorter = Sorter(R(10, 10), "a", "b", "c");
        sorter.Allocated("a", R(3, 0));
        sorter.Allocated("b", R(2, 0));
        sorter.Allocated("c", R(1, 0));

        sorter.SetTotal(R(100, 10)); // lazily re-sorted
        sorter.Allocated("c", R(4, 0)); // c: 0.05, a: 0.03, b: 0.02
        sorter.Unallocated("a", R(3, 0)); // a: 0
        sorter.Add("d"); // 0

        sorter.Sorted().Should().Equal("a", "d", "b", "c");
        sorter.Count.Should().Be(4);
    }

    // ---------------------------------------------------------------- membership and bookkeeping

    [Fact]
    public void Unallocated_lowers_the_share_and_resorts()
    {
        var sorter = Sorter(R(10, 100), "a", "b");
        sorter.Allocated("a", R(5, 0));
        sorter.Allocated("b", R(3, 0));
        sorter.Sorted().Should().Equal("b", "a");

        sorter.Unallocated("a", R(4, 0));

        sorter.AllocationOf("a").Should().Be(R(1, 0));
        sorter.ShareOf("a").Should().BeApproximately(0.1, 1e-12);
        sorter.Sorted().Should().Equal("a", "b");
    }

    [Fact]
    public void Unallocating_more_than_was_allocated_is_a_bookkeeping_error()
    {
        var sorter = Sorter(R(10, 100), "a");
        sorter.Allocated("a", R(1, 0));

        var act = () => sorter.Unallocated("a", R(2, 0));

        act.Should().Throw<InvalidOperationException>();
        sorter.AllocationOf("a").Should().Be(R(1, 0));
        sorter.Sorted().Should().Equal("a");
    }

    [Fact]
    public void Add_twice_keeps_the_first_client_and_its_allocation()
    {
        var sorter = Sorter(R(10, 100), "a");
        sorter.Allocated("a", R(2, 0));

        sorter.Add("a", weight: 5);

        sorter.Count.Should().Be(1);
        sorter.WeightOf("a").Should().Be(1);
        sorter.AllocationOf("a").Should().Be(R(2, 0));
        sorter.Sorted().Should().Equal("a");
    }

    [Fact]
    public void Remove_forgets_the_client()
    {
        var sorter = Sorter(R(10, 100), "a", "b", "c");
        sorter.Allocated("b", R(2, 0));

        sorter.Remove("b");
        sorter.Remove("missing");

        sorter.Contains("b").Should().BeFalse();
        sorter.Contains("a").Should().BeTrue();
        sorter.Count.Should().Be(2);
        sorter.Sorted().Should().Equal("a", "c");
        sorter.AllocationOf("b").IsEmpty.Should().BeTrue();

        sorter.Add("b");
        sorter.AllocationOf("b").IsEmpty.Should().BeTrue();
        sorter.Sorted().Should().Equal("a", "b", "c");
    }

    [Fact]
    public void Unknown_clients_are_ignored()
    {
        var sorter = Sorter(R(10, 100), "a");

        sorter.Allocated("ghost", R(1, 1));
        sorter.Unallocated("ghost", R(1, 1));
        sorter.SetWeight("ghost", 4);

        sorter.Contains("ghost").Should().BeFalse();
        sorter.ShareOf("ghost").Should().Be(0);
        sorter.WeightOf("ghost").Should().Be(1);
        sorter.AllocationOf("ghost").IsEmpty.Should().BeTrue();
        sorter.Sorted().Should().Equal("a");
    }

    [Fact]
    public void Empty_allocations_change_nothing()
    {
        var sorter = Sorter(R(10, 100), "a", "b");
        sorter.Allocated("a", R(1, 0));

        sorter.Allocated("b", Resources.Empty);
        sorter.Unallocated("a", Resources.Empty);

        sorter.Sorted().Should().Equal("b", "a");
        sorter.AllocationOf("a").Should().Be(R(1, 0));
    }

    [Fact]
    public void Many_clients_stay_sorted_through_random_changes()
    {
        var random = new Random(7);
        var total = R(1000, 100_000);
        var sorter = new DrfSorter();
        sorter.SetTotal(total);
        var held = new Dictionary<string, Resources>();
        for (var i = 0; i < 200; i++)
        {
            var name = $"c{i:D3}";
            sorter.Add(name, 1 + i % 4);
            held[name] = Resources.Empty;
        }

        for (var step = 0; step < 5000; step++)
        {
            var name = $"c{random.Next(200):D3}";
            var delta = R(random.Next(0, 5), random.Next(0, 500));
            if (delta.IsEmpty) continue;
            if (random.Next(3) == 0 && held[name].Contains(delta))
            {
                sorter.Unallocated(name, delta);
                held[name] = held[name].Subtract(delta);
            }
            else
            {
                sorter.Allocated(name, delta);
                held[name] = held[name].Add(delta);
            }
            if (step % 1000 == 999)
            {
                total = total.Add(R(100, 10_000));
                sorter.SetTotal(total);
            }
        }

        double Expected(string name)
        {
            var h = held[name];
            var share = Math.Max((double)h.Cpus.Milli / total.Cpus.Milli, (double)h.Mem.Milli / total.Mem.Milli);
            return share / sorter.WeightOf(name);
        }

        var order = sorter.Sorted().ToList();
        order.Should().HaveCount(200).And.OnlyHaveUniqueItems();
        foreach (var name in held.Keys)
        {
            sorter.AllocationOf(name).Should().Be(held[name]);
            sorter.ShareOf(name).Should().BeApproximately(Expected(name), 1e-12);
        }
        for (var i = 1; i < order.Count; i++)
        {
            var (previous, current) = (order[i - 1], order[i]);
            var ps = sorter.ShareOf(previous);
            var cs = sorter.ShareOf(current);
            (ps < cs || (ps == cs && string.CompareOrdinal(previous, current) < 0)).Should().BeTrue(
                $"{previous} ({ps}) should come before {current} ({cs})");
        }
    }
}
