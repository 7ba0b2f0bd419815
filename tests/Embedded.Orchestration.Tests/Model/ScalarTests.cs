using System.Globalization;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Tests.Model;

public class ScalarTests
{
    [Fact]
    public void Adding_one_tenth_ten_thousand_times_is_exactly_one_thousand()
    {
        var sum = Scalar.Zero;
        var tenth = Scalar.FromDouble(0.1);
        for (var i = 0; i < 10_000; i++) sum += tenth;

        sum.Should().Be(Scalar.FromDouble(1000));
        sum.Milli.Should().Be(1_000_000);
        sum.Value.Should().Be(1000.0);
        sum.ToString().Should().Be("1000");
    }

    [Fact]
    public void Subtracting_one_tenth_ten_thousand_times_returns_exactly_to_zero()
    {
        Scalar value = 1000;
        for (var i = 0; i < 10_000; i++) value -= 0.1;

        value.Should().Be(Scalar.Zero);
        value.Milli.Should().Be(0);
    }

    [Fact]
    public void Point_one_plus_point_two_is_exactly_point_three()
    {
        (Scalar.FromDouble(0.1) + Scalar.FromDouble(0.2)).Should().Be(Scalar.FromDouble(0.3));
    }

    [Fact]
    public void One_thousandth_is_the_granularity()
    {
        var milli = Scalar.FromDouble(0.001);

        milli.Milli.Should().Be(1);
        milli.Value.Should().Be(0.001);
        milli.ToString().Should().Be("0.001");
        (milli + milli + milli).Should().Be(Scalar.FromDouble(0.003));
    }

    [Theory]
    [InlineData(0.0004, 0)]
    [InlineData(0.0005, 1)]
    [InlineData(0.0006, 1)]
    [InlineData(0.0014, 1)]
    [InlineData(0.0015, 2)]
    [InlineData(0.0025, 3)]
    [InlineData(1.0004, 1000)]
    [InlineData(1.0005, 1001)]
    [InlineData(2.0005, 2001)]
    [InlineData(1.2345, 1235)]
    [InlineData(8.0255, 8026)]
    [InlineData(0.0001, 0)]
    [InlineData(0.0009999, 1)]
    [InlineData(1e-300, 0)]
    [InlineData(double.Epsilon, 0)]
    [InlineData(4.9995, 5000)]
    [InlineData(999999999999.9995, 1_000_000_000_000_000)]
    public void Rounds_to_the_nearest_thousandth_with_halves_away_from_zero(double value, long expectedMilli)
    {
        Scalar.FromDouble(value).Milli.Should().Be(expectedMilli);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(0.001)]
    [InlineData(0.5)]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(8192)]
    [InlineData(123456.789)]
    [InlineData(999999999999.999)]
    [InlineData(Scalar.MaxValue)]
    public void Accepts_values_from_zero_to_max(double value)
    {
        var scalar = Scalar.FromDouble(value);

        scalar.Value.Should().Be(value);
        Scalar implicitScalar = value;
        implicitScalar.Should().Be(scalar);
    }

    [Theory]
    [InlineData(-0.001)]
    [InlineData(-1)]
    [InlineData(-1e-12)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NaN)]
    [InlineData(1e300)]
    [InlineData(double.MaxValue)]
    [InlineData(Scalar.MaxValue + 1)]
    [InlineData(1e13)]
    [InlineData(1e19)]
    public void Rejects_negative_non_finite_and_too_large_values(double value)
    {
        var fromDouble = () => Scalar.FromDouble(value);
        var implicitConversion = () => { Scalar s = value; return s; };

        fromDouble.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("value");
        implicitConversion.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Negative_zero_is_zero()
    {
        Scalar.FromDouble(-0.0).Should().Be(Scalar.Zero);
    }

    [Fact]
    public void Tiny_negative_value_is_rejected_even_though_it_would_round_to_zero()
    {
        var act = () => Scalar.FromDouble(-0.0001);
        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Comparison_operators_and_CompareTo_follow_the_fixed_point_value()
    {
        Scalar a = 1.5, b = 2, alsoA = 1.5;

        (a < b).Should().BeTrue();
        (a <= b).Should().BeTrue();
        (b > a).Should().BeTrue();
        (b >= a).Should().BeTrue();
        (a <= alsoA).Should().BeTrue();
        (a >= alsoA).Should().BeTrue();
        (a < alsoA).Should().BeFalse();
        (a > alsoA).Should().BeFalse();
        a.CompareTo(b).Should().BeNegative();
        b.CompareTo(a).Should().BePositive();
        a.CompareTo(alsoA).Should().Be(0);
        new[] { b, a, Scalar.Zero }.Order().Should().Equal(Scalar.Zero, a, b);
    }

    [Fact]
    public void Equality_and_hash_code_follow_the_fixed_point_value()
    {
        Scalar a = 0.1 + 0.2; // 0.30000000000000004 as a double
        Scalar b = 0.3;

        a.Should().Be(b);
        (a == b).Should().BeTrue();
        a.GetHashCode().Should().Be(b.GetHashCode());
        a.Equals((object)b).Should().BeTrue();
        (a == Scalar.FromDouble(0.301)).Should().BeFalse();
    }

    [Fact]
    public void Default_is_zero()
    {
        default(Scalar).Should().Be(Scalar.Zero);
        Scalar.Zero.Value.Should().Be(0);
        Scalar.Zero.ToString().Should().Be("0");
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(1, "0.001")]
    [InlineData(10, "0.01")]
    [InlineData(100, "0.1")]
    [InlineData(1000, "1")]
    [InlineData(1500, "1.5")]
    [InlineData(8_192_000, "8192")]
    [InlineData(123_456_789, "123456.789")]
    [InlineData(999_999_999_999_999, "999999999999.999")]
    [InlineData(1_000_000_000_000_000, "1000000000000")]
    public void ToString_is_invariant_with_at_most_three_decimals(long milli, string expected)
    {
        new Scalar(milli).ToString().Should().Be(expected);
    }

    [Fact]
    public void ToString_ignores_the_current_culture()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            Scalar.FromDouble(1234.5).ToString().Should().Be("1234.5");
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Theory]
    [InlineData(0.001)]
    [InlineData(0.1)]
    [InlineData(0.3)]
    [InlineData(1.999)]
    [InlineData(31.25)]
    [InlineData(8192.001)]
    [InlineData(123456789012.345)]
    [InlineData(999999999999.999)]
    public void ToString_parses_back_to_the_same_scalar(double value)
    {
        var scalar = Scalar.FromDouble(value);
        var reparsed = Scalar.FromDouble(double.Parse(scalar.ToString(), CultureInfo.InvariantCulture));

        reparsed.Should().Be(scalar);
    }

    [Fact]
    public void Every_thousandth_up_to_ten_is_exact_and_round_trips()
    {
        for (long milli = 0; milli <= 10_000; milli++)
        {
            var scalar = new Scalar(milli);
            var text = scalar.ToString();
            var reparsed = Scalar.FromDouble(double.Parse(text, CultureInfo.InvariantCulture));
            reparsed.Milli.Should().Be(milli, "'{0}' should parse back to {1} thousandths", text, milli);
        }
    }

    [Fact]
    public void Sums_of_many_maximal_values_do_not_overflow()
    {
        var sum = Scalar.Zero;
        for (var i = 0; i < 1000; i++) sum += Scalar.MaxValue;

        sum.Milli.Should().Be(1_000_000_000_000_000_000);
        sum.Should().BeGreaterThan(Scalar.FromDouble(Scalar.MaxValue));
    }
}
