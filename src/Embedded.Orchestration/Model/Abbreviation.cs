namespace Embedded.Orchestration.Model;

/// <summary>Keeps error messages readable: bad input is quoted, but never a megabyte of it.</summary>
internal static class Abbreviation
{
    public static string Abbreviate(this string text, int max = 40) => text.Length <= max ? text : text[..max] + $"… ({text.Length} characters)";
}
