using System.Text;

namespace Embedded.Orchestration.Execution;

/// <summary>
/// The last <see cref="Capacity"/> characters written to one output stream of a task. Thread-safe:
/// a task writes while the agent reads. Shared by the process and delegate executors so both
/// report the same kind of tail.
/// </summary>
internal sealed class OutputTail
{
    /// <summary>64 KiB of characters per stream, as the task statuses carry.</summary>
    public const int DefaultCapacity = 64 * 1024;

    private readonly Lock _lock = new();
    private readonly StringBuilder _buffer = new();

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

        lock (_lock)
        {
            _buffer.Append(text);

            // Trim only once the buffer holds twice the capacity, so trimming (which moves the
            // kept characters) costs amortised O(1) per character instead of O(capacity) per write.
            if (_buffer.Length > 2 * Capacity)
            {
                _buffer.Remove(0, _buffer.Length - Capacity);
            }
        }
    }

    public void Append(char value) => Append([value]);

    /// <summary>The tail so far.</summary>
    public override string ToString()
    {
        lock (_lock)
        {
            var start = Math.Max(0, _buffer.Length - Capacity);

            // Don't begin with half of a surrogate pair that the cut separated.
            if (start > 0 && start < _buffer.Length && char.IsLowSurrogate(_buffer[start]))
            {
                start++;
            }

            return _buffer.ToString(start, _buffer.Length - start);
        }
    }

    /// <summary>A thread-safe writer whose text lands in this tail.</summary>
    public TextWriter CreateWriter() => new TailWriter(this);

    private sealed class TailWriter(OutputTail tail) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => tail.Append(value);

        public override void Write(char[] buffer, int index, int count) => tail.Append(buffer.AsSpan(index, count));

        public override void Write(ReadOnlySpan<char> buffer) => tail.Append(buffer);

        public override void Write(string? value) => tail.Append(value);

        // One append per line, so lines from concurrent writers don't interleave mid-line.
        public override void WriteLine(string? value) => tail.Append(string.Concat(value, NewLine));

        public override Task WriteAsync(char value)
        {
            tail.Append(value);
            return Task.CompletedTask;
        }

        public override Task WriteAsync(string? value)
        {
            tail.Append(value);
            return Task.CompletedTask;
        }

        public override Task WriteAsync(char[] buffer, int index, int count)
        {
            tail.Append(buffer.AsSpan(index, count));
            return Task.CompletedTask;
        }

        public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
        {
            tail.Append(buffer.Span);
            return Task.CompletedTask;
        }

        public override Task WriteLineAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
        {
            tail.Append(string.Concat(buffer.Span, NewLine));
            return Task.CompletedTask;
        }

        public override Task FlushAsync() => Task.CompletedTask;
    }
}
