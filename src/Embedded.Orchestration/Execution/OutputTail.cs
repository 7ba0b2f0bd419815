using System.Text;

namespace Embedded.Orchestration.Execution;

/// <summary>
/// The last <see cref="Capacity"/> characters written to one output stream of a task, and a writer of it.
/// Thread-safe: a task writes while the agent reads. Shared by the delegate and Docker executors so both
/// report the same kind of tail. Its buffer is made at the first write: most tasks of a large host say nothing.
/// </summary>
internal sealed class OutputTail : TextWriter
{
    /// <summary>64 KiB of characters per stream, as the task statuses carry.</summary>
    public const int DefaultCapacity = 64 * 1024;

    private StringBuilder? _buffer;

    public OutputTail(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public void Append(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        // Text longer than the whole tail only contributes its end.
        if (text.Length > Capacity)
        {
            text = text[^Capacity..];
        }

        // The buffer is the lock: private, and there is none to take before the first write.
        var buffer = LazyInitializer.EnsureInitialized(ref _buffer);
        lock (buffer)
        {
            buffer.Append(text);

            // Trim only once the buffer holds twice the capacity, so trimming (which moves the
            // kept characters) costs amortised O(1) per character instead of O(capacity) per write.
            if (buffer.Length > 2 * Capacity)
            {
                buffer.Remove(0, buffer.Length - Capacity);
            }
        }
    }

    public void Append(char value) => Append([value]);

    /// <summary>The tail so far.</summary>
    public override string ToString()
    {
        var buffer = Volatile.Read(ref _buffer);
        if (buffer is null) return "";
        lock (buffer)
        {
            var start = Math.Max(0, buffer.Length - Capacity);

            // Don't begin with half of a surrogate pair that the cut separated.
            if (start > 0 && start < buffer.Length && char.IsLowSurrogate(buffer[start]))
            {
                start++;
            }

            return buffer.ToString(start, buffer.Length - start);
        }
    }

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => Append(value);

    public override void Write(char[] buffer, int index, int count) => Append(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer) => Append(buffer);

    public override void Write(string? value) => Append(value);

    // One append per line, so lines from concurrent writers don't interleave mid-line.
    public override void WriteLine(string? value) => Append(string.Concat(value, NewLine));

    public override Task WriteAsync(char value)
    {
        Append(value);
        return Task.CompletedTask;
    }

    public override Task WriteAsync(string? value)
    {
        Append(value);
        return Task.CompletedTask;
    }

    public override Task WriteAsync(char[] buffer, int index, int count)
    {
        Append(buffer.AsSpan(index, count));
        return Task.CompletedTask;
    }

    public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
    {
        Append(buffer.Span);
        return Task.CompletedTask;
    }

    public override Task WriteLineAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
    {
        Append(string.Concat(buffer.Span, NewLine));
        return Task.CompletedTask;
    }

    public override Task FlushAsync() => Task.CompletedTask;
}
