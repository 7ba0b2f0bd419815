using System.Globalization;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Tests.Model;

public class ResourcesTests
{
    private static ValueRange R(ulong begin, ulong end) => new(begin, end);

    private static readonly Resources Agent = Resources.Parse("cpus:4;mem:8192;disk:1024;ports:[31000-32000];zones:{a,b,c}");

    // ---------------------------------------------------------------- parsing

    [Fact]
    public void Parse_reads_scalars_ranges_and_sets()
    {
        var r = Resources.Parse("cpus:4;mem:8192;ports:[31000-32000];zones:{a,b}");

        r.Cpus.Should().Be(Scalar.FromDouble(4));
        r.Mem.Should().Be(Scalar.FromDouble(8192));
        r.Disk.Should().Be(Scalar.Zero);
        r.Gpus.Should().Be(Scalar.Zero);
        r.Ports.Ranges.Should().Equal(R(31000, 32000));
        r.Set("zones").Should().Equal("a", "b");
        r.Scalars.Keys.Should().BeEquivalentTo("cpus", "mem");
        r.Ranges.Keys.Should().BeEquivalentTo("ports");
        r.Sets.Keys.Should().BeEquivalentTo("zones");
        r.IsEmpty.Should().BeFalse();
    }

    [Fact]
    public void Parse_reads_fractional_and_exponent_scalars()
    {
        var r = Resources.Parse("cpus:0.5;mem:1e3;gpus:0.001;disk:2.0005");

        r.Cpus.Milli.Should().Be(500);
        r.Mem.Milli.Should().Be(1_000_000);
        r.Gpus.Milli.Should().Be(1);
        r.Disk.Milli.Should().Be(2001);
    }

    [Theory]
    [InlineData("cpus:0.0004", 0)]
    [InlineData("cpus:0.0005", 1)]
    [InlineData("cpus:8.0255", 8026)]
    [InlineData("cpus:8.0254999", 8025)]
    [InlineData("cpus:1.0005", 1001)]
    [InlineData("cpus:4.9995", 5000)]
    public void Parse_rounds_to_thousandths_with_halves_up(string text, long expectedMilli)
    {
        Resources.Parse(text).Cpus.Milli.Should().Be(expectedMilli);
    }

    [Fact]
    public void Parse_reads_custom_names_of_every_kind()
    {
        var r = Resources.Parse("my_res-1.x:3;other.ports:[1-2,5-6];labels:{z,y,x}");

        r.Scalar("my_res-1.x").Should().Be(Scalar.FromDouble(3));
        r.RangesOf("other.ports").Ranges.Should().Equal(R(1, 2), R(5, 6));
        r.Set("labels").Should().Equal("x", "y", "z");
        r.Ports.Should().Be(RangeSet.Empty);
        r.Set("missing").Should().BeEmpty();
        r.Scalar("missing").Should().Be(Scalar.Zero);
    }

    [Fact]
    public void Parse_tolerates_whitespace_everywhere()
    {
        var spaced = Resources.Parse("  cpus : 4 ;\tmem:\t8192 ;\n ports : [ 31000 - 32000 , 33000-33010 ] ; zones : { a , b } ; ");
        var tight = Resources.Parse("cpus:4;mem:8192;ports:[31000-32000,33000-33010];zones:{a,b}");

        spaced.Should().Be(tight);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(";")]
    [InlineData(" ; ;; ")]
    [InlineData("cpus:0")]
    [InlineData("cpus:0.0004")]
    [InlineData("ports:[]")]
    [InlineData("zones:{}")]
    [InlineData("zones:{ , }")]
    public void Parse_of_nothing_or_zero_gives_empty(string text)
    {
        var r = Resources.Parse(text);

        r.IsEmpty.Should().BeTrue();
        r.Should().Be(Resources.Empty);
        r.ToString().Should().BeEmpty();
    }

    [Fact]
    public void Parse_normalises_ranges_and_sets()
    {
        var r = Resources.Parse("ports:[5-6,1-2,3-4,10-20,15-25];zones:{b,a,b,a}");

        r.Ports.Ranges.Should().Equal(R(1, 6), R(10, 25));
        r.Set("zones").Should().Equal("a", "b");
    }

    [Fact]
    public void Parse_ignores_the_current_culture()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            var r = Resources.Parse("cpus:1.5;mem:2048");
            r.Cpus.Milli.Should().Be(1500);
            r.ToString().Should().Be("cpus:1.5;mem:2048");
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Parse_accepts_the_maximum_scalar_and_a_64_character_name()
    {
        var name = new string('n', 64);

        Resources.Parse("cpus:1e12").Cpus.Value.Should().Be(Scalar.MaxValue);
        Resources.Parse($"{name}:1").Scalar(name).Should().Be(Scalar.FromDouble(1));
    }

    [Fact]
    public void Parse_null_throws_ArgumentNullException()
    {
        var act = () => Resources.Parse(null!);
        act.Should().Throw<ArgumentNullException>();
    }

    public static TheoryData<string, string> BadInputs() => new()
    {
        // missing colon / empty name
        { "cpus", "name:value" },
        { "cpus 4", "name:value" },
        { "cpus:4;mem", "'mem'" },
        { ":4", "name" },
        { "  : 4", "name" },
        { ":", "name" },
        // bad names
        { "cp us:4", "resource name 'cp us'" },
        { "cpu$:4", "resource name 'cpu$'" },
        { "zönes:{a}", "resource name 'zönes'" },
        // bad numbers
        { "cpus:", "not a number" },
        { "cpus:abc", "'abc'" },
        { "cpus:4x", "'4x'" },
        { "cpus:1,5", "'1,5'" },
        { "cpus:0x10", "'0x10'" },
        { "cpus:4:5", "'4:5'" },
        { "cpus:-1", "'-1'" },
        { "cpus:-0.001", "'-0.001'" },
        { "cpus:NaN", "'NaN'" },
        { "cpus:Infinity", "'Infinity'" },
        { "cpus:-Infinity", "'-Infinity'" },
        { "cpus:1e300", "'1e300'" },
        { "mem:1e13", "'1e13'" },
        { "cpus:1e999", "cpus" },
        // duplicates
        { "cpus:1;cpus:2", "'cpus' is given twice" },
        { "cpus:1;mem:2; cpus :1", "'cpus' is given twice" },
        { "cpus:0;cpus:1", "'cpus' is given twice" },
        { "ports:[1-2];ports:[3-4]", "'ports' is given twice" },
        { "zones:{a};zones:{b}", "'zones' is given twice" },
        { "x:1;x:[1-2]", "'x' is given twice" },
        // bad ranges
        { "ports:[5-3]", "ends before it begins" },
        { "ports:[a-b]", "'a-b'" },
        { "ports:[1-2", "[31000-32000]" },
        { "ports:[1-2]]", "'1-2]'" },
        { "ports:[1-2],", "[31000-32000]" },
        { "ports:[5]", "'5'" },
        { "ports:[-1-2]", "two whole numbers" },
        { "ports:[1-2,,3-4]", "two whole numbers" },
        { "ports:[0-18446744073709551616]", "two whole numbers" },
        // bad sets
        { "zones:{a,b", "set 'zones'" },
        { "zones:{", "set 'zones'" },
        { "zones:{a{b}", "'a{b'" },
        { "zones:{a}b}", "'a}b'" },
        { "zones:{{a}}", "'{a}'" },
        // reservations
        { "cpus(role):1", "reservation" },
        { "cpus(*):1", "reservation" },
        { "mem(role, principal):1", "reservation" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Parse_rejects_bad_input_with_a_message_naming_the_problem(string text, string expectedInMessage)
    {
        var act = () => Resources.Parse(text);

        act.Should().Throw<FormatException>()
            .Which.Message.Should().ContainEquivalentOf(expectedInMessage);
    }

    [Theory]
    [InlineData("cpus:-1")]
    [InlineData("cpus:-0.001")]
    [InlineData("cpus:NaN")]
    [InlineData("cpus:Infinity")]
    [InlineData("cpus:1e300")]
    public void Parse_rejects_out_of_range_scalars_saying_the_allowed_range(string text)
    {
        var act = () => Resources.Parse(text);

        act.Should().Throw<FormatException>().WithMessage("*'cpus'*from 0 to*");
    }

    [Theory]
    [InlineData(":4")]
    [InlineData(" :4")]
    [InlineData("cpus:1;:4")]
    public void Parse_rejects_an_empty_name(string text)
    {
        var act = () => Resources.Parse(text);
        act.Should().Throw<FormatException>().WithMessage("*no name*");
    }

    [Theory]
    [InlineData(65)]
    [InlineData(1000)]
    [InlineData(100_000)]
    public void Parse_rejects_very_long_names_saying_they_are_too_long(int length)
    {
        var name = new string('a', length);

        var act = () => Resources.Parse($"{name}:1");

        var message = act.Should().Throw<FormatException>().Which.Message;
        message.Should().ContainEquivalentOf("long");
        message.Length.Should().BeLessThan(500, "the message must not echo an enormous name in full");
    }

    [Fact]
    public void Parse_error_messages_stay_short_for_huge_values()
    {
        var act = () => Resources.Parse("cpus:" + new string('9', 100_000) + "x");

        act.Should().Throw<FormatException>().Which.Message.Should().Contain("cpus");
    }

    // ---------------------------------------------------------------- TryParse

    [Fact]
    public void TryParse_succeeds_on_good_text()
    {
        Resources.TryParse("cpus:2;ports:[1-3]", out var r, out var error).Should().BeTrue();

        error.Should().BeNull();
        r.Cpus.Should().Be(Scalar.FromDouble(2));
        r.Ports.Count.Should().Be(3);
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void TryParse_returns_false_and_the_reason_without_throwing(string text, string expectedInMessage)
    {
        bool ok = true;
        Resources? r = null;
        string? error = null;

        var act = () => ok = Resources.TryParse(text, out r, out error);

        act.Should().NotThrow();
        ok.Should().BeFalse();
        r.Should().BeSameAs(Resources.Empty);
        error.Should().NotBeNullOrWhiteSpace().And.ContainEquivalentOf(expectedInMessage);
    }

    [Fact]
    public void TryParse_of_null_returns_false_with_an_error()
    {
        bool ok = true;
        Resources? r = null;
        string? error = null;

        var act = () => ok = Resources.TryParse(null, out r, out error);

        act.Should().NotThrow();
        ok.Should().BeFalse();
        r.Should().BeSameAs(Resources.Empty);
        error.Should().NotBeNullOrWhiteSpace();
    }

    [Theory]
    [InlineData(65)]
    [InlineData(100_000)]
    public void TryParse_of_very_long_names_returns_false(int length)
    {
        Resources.TryParse(new string('a', length) + ":1", out _, out var error).Should().BeFalse();
        error.Should().NotBeNullOrWhiteSpace();
    }

    // ---------------------------------------------------------------- round trip

    [Theory]
    [InlineData("cpus:4;mem:8192;ports:[31000-32000];zones:{a,b}")]
    [InlineData("cpus:0.001")]
    [InlineData("cpus:0.1;mem:0.3;disk:123456.789;gpus:999999999999.999")]
    [InlineData("ports:[0-0,18446744073709551615-18446744073709551615]")]
    [InlineData("zones:{x, y ,z};racks:{r1}")]
    [InlineData("z:1;a:2;m:[1-2];b:{q}")]
    [InlineData("  mem : 1e3 ; cpus : 2.5  ")]
    [InlineData("")]
    public void ToString_then_Parse_gives_an_equal_value(string text)
    {
        var original = Resources.Parse(text);

        var reparsed = Resources.Parse(original.ToString());

        reparsed.Should().Be(original);
        reparsed.GetHashCode().Should().Be(original.GetHashCode());
        reparsed.ToString().Should().Be(original.ToString());
    }

    [Fact]
    public void ToString_is_canonical()
    {
        var r = Resources.Parse("zones:{b,a};ports:[5-6,1-2];mem:8192;cpus:4;disk:0.5");

        r.ToString().Should().Be("cpus:4;disk:0.5;mem:8192;ports:[1-2,5-6];zones:{a,b}");
    }

    [Fact]
    public void Built_resources_round_trip()
    {
        var r = Resources.Of(cpus: 1.5, mem: 2048, disk: 0.25, gpus: 1)
            .WithRanges("ports", RangeSet.Of(R(31000, 31010), R(20, 30)))
            .WithSet("zones", ["eu-1", "us_2"]);

        Resources.Parse(r.ToString()).Should().Be(r);
    }

    [Fact]
    public void Set_items_that_cannot_be_written_back_are_rejected()
    {
        // Such items would print as text that Parse reads differently or not at all.
        foreach (var item in new[] { "a,b", "a;b", "{a", "a}", "", " ", " a", "a " })
        {
            var act = () => Resources.Empty.WithSet("zones", [item]);
            act.Should().Throw<ArgumentException>($"set item '{item}' cannot round trip");
        }
    }

    // ---------------------------------------------------------------- builders

    [Fact]
    public void Of_builds_the_well_known_scalars_and_drops_zeros()
    {
        var r = Resources.Of(cpus: 2, mem: 1024);

        r.Cpus.Should().Be(Scalar.FromDouble(2));
        r.Mem.Should().Be(Scalar.FromDouble(1024));
        r.Scalars.Keys.Should().BeEquivalentTo("cpus", "mem");
        Resources.Of().IsEmpty.Should().BeTrue();
    }

    [Fact]
    public void Of_rejects_negative_values()
    {
        var act = () => Resources.Of(cpus: -1);
        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void With_methods_reject_bad_names_and_negative_scalars()
    {
        ((Action)(() => Resources.Empty.WithScalar("", 1))).Should().Throw<ArgumentException>();
        ((Action)(() => Resources.Empty.WithScalar("a b", 1))).Should().Throw<ArgumentException>();
        ((Action)(() => Resources.Empty.WithRanges("cpus(role)", RangeSet.Of(1, 2)))).Should().Throw<ArgumentException>();
        ((Action)(() => Resources.Empty.WithSet(new string('x', 65), ["a"]))).Should().Throw<ArgumentException>();
        ((Action)(() => Resources.Empty.WithScalar("cpus", new Scalar(-1)))).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void With_methods_return_new_instances()
    {
        var r = Resources.Of(cpus: 1);

        var more = r.WithScalar("mem", 5).WithRanges("ports", RangeSet.Of(1, 2)).WithSet("zones", ["a"]);

        r.ToString().Should().Be("cpus:1");
        more.ToString().Should().Be("cpus:1;mem:5;ports:[1-2];zones:{a}");
        more.WithScalar("mem", 0).WithRanges("ports", RangeSet.Empty).WithSet("zones", []).Should().Be(r);
    }

    // ---------------------------------------------------------------- Add

    [Fact]
    public void Add_sums_scalars_unions_ranges_and_sets()
    {
        var a = Resources.Parse("cpus:1.5;mem:100;ports:[1-10];zones:{a}");
        var b = Resources.Parse("cpus:2.5;disk:5;ports:[11-20,30-40];zones:{b};racks:{r}");

        var sum = a.Add(b);

        sum.Should().Be(Resources.Parse("cpus:4;mem:100;disk:5;ports:[1-20,30-40];zones:{a,b};racks:{r}"));
        (a + b).Should().Be(sum);
        (b + a).Should().Be(sum);
    }

    [Fact]
    public void Add_with_empty_is_identity()
    {
        Agent.Add(Resources.Empty).Should().Be(Agent);
        Resources.Empty.Add(Agent).Should().Be(Agent);
        Resources.Empty.Add(Resources.Empty).IsEmpty.Should().BeTrue();
    }

    [Fact]
    public void Add_does_not_change_its_operands()
    {
        var a = Resources.Parse("cpus:1;ports:[1-2];zones:{a}");
        var b = Resources.Parse("cpus:2;ports:[3-4];zones:{b}");

        _ = a + b;

        a.ToString().Should().Be("cpus:1;ports:[1-2];zones:{a}");
        b.ToString().Should().Be("cpus:2;ports:[3-4];zones:{b}");
    }

    [Fact]
    public void Adding_one_tenth_cpu_ten_thousand_times_is_exactly_one_thousand()
    {
        var tenth = Resources.Of(cpus: 0.1);
        var sum = Resources.Empty;
        for (var i = 0; i < 10_000; i++) sum += tenth;

        sum.Should().Be(Resources.Of(cpus: 1000));
        sum.ToString().Should().Be("cpus:1000");
    }

    // ---------------------------------------------------------------- Contains

    [Fact]
    public void Contains_of_each_kind()
    {
        Agent.Contains(Resources.Parse("cpus:4")).Should().BeTrue();
        Agent.Contains(Resources.Parse("cpus:4.001")).Should().BeFalse();
        Agent.Contains(Resources.Parse("ports:[31500-31600]")).Should().BeTrue();
        Agent.Contains(Resources.Parse("ports:[31500-32001]")).Should().BeFalse();
        Agent.Contains(Resources.Parse("zones:{a,c}")).Should().BeTrue();
        Agent.Contains(Resources.Parse("zones:{a,d}")).Should().BeFalse();
    }

    [Fact]
    public void Contains_with_mixed_kinds_needs_all_of_them()
    {
        Agent.Contains(Resources.Parse("cpus:1;mem:100;ports:[31000-31000];zones:{b}")).Should().BeTrue();
        Agent.Contains(Agent).Should().BeTrue();
        Agent.Contains(Resources.Empty).Should().BeTrue();
        Resources.Empty.Contains(Resources.Empty).Should().BeTrue();

        Agent.Contains(Resources.Parse("cpus:1;mem:100;ports:[1-1];zones:{b}")).Should().BeFalse();
        Agent.Contains(Resources.Parse("cpus:1;mem:8193;ports:[31000-31000]")).Should().BeFalse();
        Agent.Contains(Resources.Parse("cpus:1;gpus:1")).Should().BeFalse();
        Agent.Contains(Resources.Parse("racks:{r}")).Should().BeFalse();
        Agent.Contains(Resources.Parse("other:[1-1]")).Should().BeFalse();
        Resources.Empty.Contains(Agent).Should().BeFalse();
    }

    [Fact]
    public void Contains_does_not_mix_kinds_with_the_same_meaning()
    {
        // A scalar named 'ports' is not the ports range, and a set is not a scalar.
        Agent.Contains(Resources.Parse("ports:1")).Should().BeFalse();
        Agent.Contains(Resources.Parse("cpus:{4}")).Should().BeFalse();
        Agent.Contains(Resources.Parse("zones:[1-1]")).Should().BeFalse();
    }

    // ---------------------------------------------------------------- Subtract

    [Fact]
    public void Subtract_of_mixed_kinds()
    {
        var left = Agent - Resources.Parse("cpus:1.5;mem:8000;ports:[31500-31599];zones:{b}");

        left.Should().Be(Resources.Parse("cpus:2.5;mem:192;disk:1024;ports:[31000-31499,31600-32000];zones:{a,c}"));
    }

    [Fact]
    public void Subtract_of_everything_gives_empty()
    {
        var left = Agent.Subtract(Agent);

        left.IsEmpty.Should().BeTrue();
        left.Should().Be(Resources.Empty);
        left.ToString().Should().BeEmpty();
        left.Scalars.Should().BeEmpty();
        left.Ranges.Should().BeEmpty();
        left.Sets.Should().BeEmpty();
    }

    [Fact]
    public void Subtract_removes_names_that_reach_zero()
    {
        var left = Agent - Resources.Parse("cpus:4;ports:[31000-32000];zones:{a,b,c}");

        left.Scalars.Keys.Should().BeEquivalentTo("mem", "disk");
        left.Ranges.Should().BeEmpty();
        left.Sets.Should().BeEmpty();
        left.Should().Be(Resources.Parse("mem:8192;disk:1024"));
    }

    [Fact]
    public void Subtract_of_empty_is_identity()
    {
        (Agent - Resources.Empty).Should().Be(Agent);
        (Resources.Empty - Resources.Empty).IsEmpty.Should().BeTrue();
    }

    [Theory]
    [InlineData("cpus:4.001")]
    [InlineData("gpus:1")]
    [InlineData("mem:1;ports:[30999-31000]")]
    [InlineData("ports:[32001-32001]")]
    [InlineData("zones:{d}")]
    [InlineData("cpus:1;zones:{a,b,c,d}")]
    [InlineData("other:[1-2]")]
    [InlineData("ports:5")]
    public void Subtract_of_something_not_contained_throws_and_leaves_the_original_unchanged(string text)
    {
        var before = Agent.ToString();
        var other = Resources.Parse(text);

        var act = () => Agent.Subtract(other);

        act.Should().Throw<InvalidOperationException>().WithMessage("*not contained*");
        Agent.ToString().Should().Be(before);
        other.ToString().Should().Be(Resources.Parse(text).ToString());
    }

    [Fact]
    public void Subtract_does_not_change_its_operands()
    {
        var a = Resources.Parse("cpus:4;ports:[1-10];zones:{a,b}");
        var b = Resources.Parse("cpus:1;ports:[5-5];zones:{a}");

        var left = a - b;

        left.ToString().Should().Be("cpus:3;ports:[1-4,6-10];zones:{b}");
        a.ToString().Should().Be("cpus:4;ports:[1-10];zones:{a,b}");
        b.ToString().Should().Be("cpus:1;ports:[5-5];zones:{a}");
    }

    [Fact]
    public void Add_then_Subtract_gives_back_the_original()
    {
        var extra = Resources.Parse("cpus:0.1;gpus:2;ports:[40000-40010];zones:{z};racks:{r}");

        (Agent + extra - extra).Should().Be(Agent);
    }

    [Fact]
    public void Subtracting_one_tenth_ten_thousand_times_reaches_exactly_empty()
    {
        var r = Resources.Of(cpus: 1000);
        var tenth = Resources.Of(cpus: 0.1);
        for (var i = 0; i < 10_000; i++) r -= tenth;

        r.IsEmpty.Should().BeTrue();
        var more = () => r - tenth;
        more.Should().Throw<InvalidOperationException>();
    }

    // ---------------------------------------------------------------- equality

    [Fact]
    public void Equal_resources_have_equal_hash_codes()
    {
        var a = Resources.Parse("cpus:4;mem:8192;ports:[1-5,6-10];zones:{b,a}");
        var b = Resources.Parse("zones:{a,b};ports:[1-10];mem:8192.0;cpus:4.0000");
        var c = Resources.Of(cpus: 4, mem: 8192).WithRanges("ports", RangeSet.Of(1, 10)).WithSet("zones", ["a", "b"]);

        a.Should().Be(b);
        a.Should().Be(c);
        a.Equals((object)b).Should().BeTrue();
        a.GetHashCode().Should().Be(b.GetHashCode());
        a.GetHashCode().Should().Be(c.GetHashCode());
        Resources.Parse("").GetHashCode().Should().Be(Resources.Empty.GetHashCode());
    }

    [Theory]
    [InlineData("cpus:4.001;mem:8192;ports:[1-10];zones:{a,b}")]
    [InlineData("cpus:4;mem:8192;ports:[1-9];zones:{a,b}")]
    [InlineData("cpus:4;mem:8192;ports:[1-10];zones:{a}")]
    [InlineData("cpus:4;mem:8192;ports:[1-10];zones:{a,b};gpus:1")]
    [InlineData("cpus:4;mem:8192;ports:[1-10]")]
    [InlineData("cpus:4;mem:8192;zones:{a,b}")]
    [InlineData("cpus:4;disk:8192;ports:[1-10];zones:{a,b}")]
    [InlineData("cpus:4;mem:8192;other:[1-10];zones:{a,b}")]
    [InlineData("cpus:4;mem:8192;ports:[1-10];zonez:{a,b}")]
    [InlineData("")]
    public void Different_resources_are_not_equal(string text)
    {
        var a = Resources.Parse("cpus:4;mem:8192;ports:[1-10];zones:{a,b}");

        a.Equals(Resources.Parse(text)).Should().BeFalse();
        Resources.Parse(text).Equals(a).Should().BeFalse();
    }

    [Fact]
    public void Equals_handles_null_and_other_types()
    {
        Agent.Equals((object)Agent.ToString()).Should().BeFalse();
        Agent.Equals(Agent).Should().BeTrue();
        Agent.Equals((object?)null).Should().BeFalse();
        Agent!.Equals(null).Should().BeFalse();
    }

    [Fact]
    public void Resources_work_as_dictionary_keys()
    {
        var map = new Dictionary<Resources, string> { [Resources.Parse("cpus:1;zones:{a,b}")] = "x" };

        map.Should().ContainKey(Resources.Parse("zones:{b,a};cpus:1.000"));
    }
}
