namespace Embedded.Orchestration.Model;

/// <summary>An inclusive range of values, such as ports 31000-32000.</summary>
public readonly record struct ValueRange(ulong Begin, ulong End)
{
    public ulong Count => End - Begin + 1;
    public override string ToString() => $"{Begin}-{End}";
}
