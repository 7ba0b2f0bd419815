using Spectre.Console;

namespace Embedded.Cli;

/// <summary>
/// Prints rows under a header: on a terminal as a Spectre.Console table; redirected (a pipe, a file, a
/// script) as aligned plain columns, as `docker ps` does, so that grep and awk keep working.
/// </summary>
internal static class Table
{
    public static void Write(TextWriter output, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        if (ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected)
            WriteRich(header, rows);
        else
            WritePlain(output, header, rows);
    }

    private static void WriteRich(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var table = new Spectre.Console.Table().RoundedBorder().BorderColor(Color.Grey);
        foreach (var column in header) table.AddColumn(new TableColumn(new Markup($"[bold]{Markup.Escape(column)}[/]")));
        var any = false;
        foreach (var row in rows)
        {
            any = true;
            table.AddRow(header.Select((_, i) => (Spectre.Console.Rendering.IRenderable)new Text(i < row.Count ? row[i] : "")).ToArray());
        }
        if (!any) table.AddRow(header.Select((_, i) => (Spectre.Console.Rendering.IRenderable)new Text(i == 0 ? "(none)" : "")).ToArray());
        AnsiConsole.Write(table);
    }

    private static void WritePlain(TextWriter output, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var widths = header.Select((_, i) => all.Max(r => i < r.Count ? r[i].Length : 0)).ToArray();
        foreach (var row in all)
            output.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Count - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        if (all.Count == 1) output.WriteLine("(none)");
    }
}
