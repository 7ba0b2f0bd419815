using System.Buffers;
using System.Globalization;
using System.Text;

namespace Embedded.Server;

/// <summary>
/// Mesos's RecordIO framing: <c>&lt;length in bytes&gt;\n&lt;record&gt;</c>. A record is framed in one
/// buffer and written with one write, so Kestrel sends it as exactly one HTTP chunk (some clients
/// parse chunk by chunk).
/// </summary>
internal static class RecordIO
{
    public static byte[] Frame(ReadOnlySpan<byte> record)
    {
        Span<byte> prefix = stackalloc byte[24];
        record.Length.TryFormat(prefix, out var digits, provider: CultureInfo.InvariantCulture);
        prefix[digits++] = (byte)'\n';
        var framed = new byte[digits + record.Length];
        prefix[..digits].CopyTo(framed);
        record.CopyTo(framed.AsSpan(digits));
        return framed;
    }

    public static byte[] Frame(ArrayBufferWriter<byte> record) => Frame(record.WrittenSpan);

    public static byte[] Frame(string record) => Frame(Encoding.UTF8.GetBytes(record));
}
