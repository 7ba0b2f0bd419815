using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Tests.Model;

public class RangeSetTests
{
    private const ulong Max = ulong.MaxValue;

    private static ValueRange R(ulong begin, ulong end) => new(begin, end);

    [Fact]
    public void ValueRange_counts_inclusively_and_prints_begin_dash_end()
    {
        R(31000, 32000).Count.Should().Be(1001);
        R(5, 5).Count.Should().Be(1);
        R(31000, 32000).ToString().Should().Be("31000-32000");
    }

    [Fact]
    public void Empty_has_no_ranges()
    {
        RangeSet.Empty.IsEmpty.Should().BeTrue();
        RangeSet.Empty.Count.Should().Be(0);
        RangeSet.Empty.Ranges.Should().BeEmpty();
        RangeSet.Empty.ToString().Should().Be("[]");
        RangeSet.Of().Should().Be(RangeSet.Empty);
    }

    [Fact]
    public void Single_range()
    {
        var set = RangeSet.Of(31000, 32000);

        set.IsEmpty.Should().BeFalse();
        set.Ranges.Should().Equal(R(31000, 32000));
        set.Count.Should().Be(1001);
        set.ToString().Should().Be("[31000-32000]");
    }

    [Fact]
    public void Overlapping_ranges_coalesce()
    {
        RangeSet.Of(R(1, 10), R(5, 20)).Ranges.Should().Equal(R(1, 20));
        RangeSet.Of(R(1, 10), R(2, 3)).Ranges.Should().Equal(R(1, 10));
        RangeSet.Of(R(1, 10), R(10, 12)).Ranges.Should().Equal(R(1, 12));
        RangeSet.Of(R(1, 10), R(1, 10)).Ranges.Should().Equal(R(1, 10));
    }

    [Fact]
    public void Adjacent_ranges_coalesce()
    {
        RangeSet.Of(R(1, 10), R(11, 20)).Ranges.Should().Equal(R(1, 20));
        RangeSet.Of(R(1, 1), R(2, 2), R(3, 3)).Ranges.Should().Equal(R(1, 3));
    }

    [Fact]
    public void Ranges_with_a_gap_stay_apart()
    {
        var set = RangeSet.Of(R(1, 10), R(12, 20));

        set.Ranges.Should().Equal(R(1, 10), R(12, 20));
        set.Count.Should().Be(19);
        set.ToString().Should().Be("[1-10,12-20]");
    }

    [Fact]
    public void Unsorted_input_is_sorted_and_coalesced()
    {
        var set = RangeSet.Of(R(30, 40), R(1, 5), R(20, 25), R(6, 8), R(24, 31), R(100, 100));

        set.Ranges.Should().Equal(R(1, 8), R(20, 40), R(100, 100));
    }

    [Fact]
    public void A_range_swallowing_later_ranges_keeps_its_end()
    {
        RangeSet.Of(R(1, 100), R(5, 6), R(50, 60), R(99, 99)).Ranges.Should().Equal(R(1, 100));
    }

    [Fact]
    public void Ranges_at_ulong_MaxValue_coalesce_without_overflow()
    {
        RangeSet.Of(R(Max - 5, Max), R(Max - 2, Max)).Ranges.Should().Equal(R(Max - 5, Max));
        RangeSet.Of(R(Max, Max), R(Max - 1, Max - 1)).Ranges.Should().Equal(R(Max - 1, Max));
        RangeSet.Of(R(0, Max), R(5, 6)).Ranges.Should().Equal(R(0, Max));
        RangeSet.Of(R(Max, Max), R(0, 0)).Ranges.Should().Equal(R(0, 0), R(Max, Max));
        RangeSet.Of(R(Max, Max)).Count.Should().Be(1);
    }

    [Fact]
    public void A_range_ending_before_it_begins_is_rejected()
    {
        var act = () => RangeSet.Of(5, 3);
        act.Should().Throw<ArgumentException>().WithMessage("*5-3*");
    }

    [Fact]
    public void Contains_a_single_value()
    {
        var set = RangeSet.Of(R(10, 20), R(30, 30));

        set.Contains(10UL).Should().BeTrue();
        set.Contains(15UL).Should().BeTrue();
        set.Contains(20UL).Should().BeTrue();
        set.Contains(30UL).Should().BeTrue();
        set.Contains(9UL).Should().BeFalse();
        set.Contains(21UL).Should().BeFalse();
        set.Contains(29UL).Should().BeFalse();
        set.Contains(31UL).Should().BeFalse();
        RangeSet.Empty.Contains(0UL).Should().BeFalse();
    }

    [Fact]
    public void Contains_a_set_only_when_every_value_is_present()
    {
        var set = RangeSet.Of(R(10, 20), R(30, 40));

        set.Contains(RangeSet.Empty).Should().BeTrue();
        RangeSet.Empty.Contains(RangeSet.Empty).Should().BeTrue();
        set.Contains(set).Should().BeTrue();
        set.Contains(RangeSet.Of(R(10, 20))).Should().BeTrue();
        set.Contains(RangeSet.Of(R(12, 13), R(35, 40))).Should().BeTrue();

        set.Contains(RangeSet.Of(R(15, 25))).Should().BeFalse("21-25 is missing");
        set.Contains(RangeSet.Of(R(5, 12))).Should().BeFalse("5-9 is missing");
        set.Contains(RangeSet.Of(R(10, 40))).Should().BeFalse("the gap 21-29 is missing");
        set.Contains(RangeSet.Of(R(12, 13), R(41, 41))).Should().BeFalse();
        set.Contains(RangeSet.Of(R(25, 25))).Should().BeFalse();
        RangeSet.Empty.Contains(RangeSet.Of(1, 1)).Should().BeFalse();
    }

    [Fact]
    public void Contains_at_ulong_MaxValue()
    {
        var set = RangeSet.Of(Max - 10, Max);

        set.Contains(Max).Should().BeTrue();
        set.Contains(RangeSet.Of(Max - 10, Max)).Should().BeTrue();
        set.Contains(Max - 11).Should().BeFalse();
        RangeSet.Of(0, Max).Contains(RangeSet.Of(R(0, 0), R(1000, 2000), R(Max, Max))).Should().BeTrue();
    }

    [Fact]
    public void Subtract_from_the_middle_splits_the_range()
    {
        var result = RangeSet.Of(31000, 32000).Subtract(RangeSet.Of(31500, 31599));

        result.Ranges.Should().Equal(R(31000, 31499), R(31600, 32000));
        result.Count.Should().Be(1001 - 100);
    }

    [Fact]
    public void Subtract_a_single_value_from_the_middle()
    {
        RangeSet.Of(1, 3).Subtract(RangeSet.Of(2, 2)).Ranges.Should().Equal(R(1, 1), R(3, 3));
    }

    [Fact]
    public void Subtract_at_the_edges_trims_the_range()
    {
        var set = RangeSet.Of(10, 20);

        set.Subtract(RangeSet.Of(10, 10)).Ranges.Should().Equal(R(11, 20));
        set.Subtract(RangeSet.Of(20, 20)).Ranges.Should().Equal(R(10, 19));
        set.Subtract(RangeSet.Of(5, 12)).Ranges.Should().Equal(R(13, 20));
        set.Subtract(RangeSet.Of(18, 25)).Ranges.Should().Equal(R(10, 17));
        set.Subtract(RangeSet.Of(R(10, 10), R(20, 20))).Ranges.Should().Equal(R(11, 19));
    }

    [Fact]
    public void Subtract_several_holes_across_several_ranges()
    {
        var set = RangeSet.Of(R(0, 100), R(200, 300));
        var cut = RangeSet.Of(R(10, 19), R(50, 50), R(95, 205), R(300, 400));

        set.Subtract(cut).Ranges.Should().Equal(R(0, 9), R(20, 49), R(51, 94), R(206, 299));
    }

    [Fact]
    public void Subtract_everything_gives_empty()
    {
        var set = RangeSet.Of(R(10, 20), R(30, 40));

        set.Subtract(set).IsEmpty.Should().BeTrue();
        set.Subtract(RangeSet.Of(0, 1000)).Should().Be(RangeSet.Empty);
        set.Subtract(RangeSet.Of(R(10, 20), R(30, 40))).Count.Should().Be(0);
    }

    [Fact]
    public void Subtract_of_absent_values_is_ignored()
    {
        var set = RangeSet.Of(10, 20);

        set.Subtract(RangeSet.Of(R(0, 9), R(21, 30))).Should().Be(set);
        set.Subtract(RangeSet.Empty).Should().BeSameAs(set);
        RangeSet.Empty.Subtract(set).Should().Be(RangeSet.Empty);
    }

    [Fact]
    public void Subtract_does_not_change_the_original()
    {
        var set = RangeSet.Of(10, 20);

        _ = set.Subtract(RangeSet.Of(12, 15));

        set.Ranges.Should().Equal(R(10, 20));
    }

    [Fact]
    public void Subtract_at_ulong_MaxValue_edges()
    {
        var all = RangeSet.Of(0, Max);

        all.Subtract(RangeSet.Of(Max, Max)).Ranges.Should().Equal(R(0, Max - 1));
        all.Subtract(RangeSet.Of(0, 0)).Ranges.Should().Equal(R(1, Max));
        all.Subtract(RangeSet.Of(R(0, 0), R(Max, Max))).Ranges.Should().Equal(R(1, Max - 1));
        all.Subtract(RangeSet.Of(Max - 1, Max - 1)).Ranges.Should().Equal(R(0, Max - 2), R(Max, Max));
        all.Subtract(RangeSet.Of(100, Max)).Ranges.Should().Equal(R(0, 99));
        all.Subtract(all).IsEmpty.Should().BeTrue();
        RangeSet.Of(Max, Max).Subtract(RangeSet.Of(Max, Max)).IsEmpty.Should().BeTrue();
        RangeSet.Of(Max - 3, Max).Subtract(RangeSet.Of(Max - 2, Max - 1)).Ranges
            .Should().Equal(R(Max - 3, Max - 3), R(Max, Max));
    }

    [Fact]
    public void Add_merges_and_coalesces()
    {
        var a = RangeSet.Of(R(1, 10), R(30, 40));
        var b = RangeSet.Of(R(11, 15), R(35, 50), R(100, 100));

        a.Add(b).Ranges.Should().Equal(R(1, 15), R(30, 50), R(100, 100));
        b.Add(a).Should().Be(a.Add(b));
        a.Add(RangeSet.Empty).Should().BeSameAs(a);
        RangeSet.Empty.Add(a).Should().BeSameAs(a);
        a.Ranges.Should().Equal(R(1, 10), R(30, 40));
    }

    [Fact]
    public void Add_then_Subtract_gives_back_the_original()
    {
        var a = RangeSet.Of(R(1, 10), R(30, 40));
        var b = RangeSet.Of(R(20, 25), R(41, 45));

        a.Add(b).Subtract(b).Should().Be(a);
    }

    [Fact]
    public void Equal_sets_have_equal_hash_codes()
    {
        var a = RangeSet.Of(R(1, 5), R(6, 10), R(20, 30));
        var b = RangeSet.Of(R(20, 25), R(26, 30), R(1, 10));

        a.Should().Be(b);
        a.Equals(b).Should().BeTrue();
        a.Equals((object)b).Should().BeTrue();
        a.GetHashCode().Should().Be(b.GetHashCode());
        RangeSet.Of().GetHashCode().Should().Be(RangeSet.Empty.GetHashCode());
    }

    [Fact]
    public void Different_sets_are_not_equal()
    {
        var a = RangeSet.Of(1, 10);

        a.Equals(RangeSet.Of(1, 11)).Should().BeFalse();
        a.Equals(RangeSet.Of(R(1, 4), R(6, 10))).Should().BeFalse();
        a.Equals(RangeSet.Empty).Should().BeFalse();
        a.Equals((object?)"[1-10]").Should().BeFalse();
        a.Equals(null).Should().BeFalse();
    }

    [Theory]
    [InlineData("[31000-32000]", "[31000-32000]")]
    [InlineData("[]", "[]")]
    [InlineData("[ ]", "[]")]
    [InlineData("  [ 1 - 2 , 4-5 ]  ", "[1-2,4-5]")]
    [InlineData("[4-5,1-2]", "[1-2,4-5]")]
    [InlineData("[1-5,3-8]", "[1-8]")]
    [InlineData("[1-5,6-8]", "[1-8]")]
    [InlineData("[7-7]", "[7-7]")]
    [InlineData("[0-18446744073709551615]", "[0-18446744073709551615]")]
    public void Parse_accepts_and_normalises(string text, string expected)
    {
        RangeSet.Parse(text).ToString().Should().Be(expected);
    }

    [Theory]
    [InlineData("[5-3]", "ends before it begins")]
    [InlineData("[a-b]", "two whole numbers")]
    [InlineData("[1-2", "must look like")]
    [InlineData("1-2]", "must look like")]
    [InlineData("1-2", "must look like")]
    [InlineData("", "must look like")]
    [InlineData("[", "must look like")]
    [InlineData("[5]", "two whole numbers")]
    [InlineData("[1-2-3]", "two whole numbers")]
    [InlineData("[-5]", "two whole numbers")]
    [InlineData("[1-2,]", "two whole numbers")]
    [InlineData("[,1-2]", "two whole numbers")]
    [InlineData("[+1-2]", "two whole numbers")]
    [InlineData("[1.5-2]", "two whole numbers")]
    [InlineData("[0-18446744073709551616]", "two whole numbers")]
    [InlineData("[1-2]x", "must look like")]
    public void Parse_rejects_bad_text_with_a_reason(string text, string reason)
    {
        var act = () => RangeSet.Parse(text);
        act.Should().Throw<FormatException>().WithMessage($"*{reason}*");
    }

    [Fact]
    public void ToString_round_trips_through_Parse()
    {
        var set = RangeSet.Of(R(Max, Max), R(0, 0), R(31000, 32000), R(40000, 40010));

        RangeSet.Parse(set.ToString()).Should().Be(set);
    }
}
