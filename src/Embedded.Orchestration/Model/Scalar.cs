using System.Globalization;

namespace Embedded.Orchestration.Model;

/// <summary>A resource quantity in fixed point with three decimals, as Mesos keeps them, so sums never drift.</summary>
public readonly record struct Scalar(long Milli) : IComparable<Scalar>
{
    public static readonly Scalar Zero = new(0);

    /// <summary>The largest quantity we accept, so sums of many agents cannot overflow.</summary>
    public const double MaxValue = 1e12;

    public static Scalar FromDouble(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value) || value < 0 || value > MaxValue)
            throw new ArgumentOutOfRangeException(nameof(value), value, $"a scalar must be a finite number from 0 to {MaxValue}");
        // Through decimal (15 significant digits), so 8.0255, stored as 8.02549999..., still rounds half up to 8.026.
        return new Scalar((long)Math.Round((decimal)value * 1000m, MidpointRounding.AwayFromZero));
    }

    public double Value => Milli / 1000.0;

    public static Scalar operator +(Scalar a, Scalar b) => new(a.Milli + b.Milli);
    public static Scalar operator -(Scalar a, Scalar b) => new(a.Milli - b.Milli);
    public static bool operator <(Scalar a, Scalar b) => a.Milli < b.Milli;
    public static bool operator >(Scalar a, Scalar b) => a.Milli > b.Milli;
    public static bool operator <=(Scalar a, Scalar b) => a.Milli <= b.Milli;
    public static bool operator >=(Scalar a, Scalar b) => a.Milli >= b.Milli;
    public static implicit operator Scalar(double value) => FromDouble(value);

    public int CompareTo(Scalar other) => Milli.CompareTo(other.Milli);

    public override string ToString() => Value.ToString("0.###", CultureInfo.InvariantCulture);
}
