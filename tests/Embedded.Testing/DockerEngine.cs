using System.IO.Pipes;
using System.Net.Sockets;
using System.Text;
using Embedded.Orchestration.Docker;

namespace Embedded.Testing;

/// <summary>
/// Whether a Docker engine answers on this machine, asked once with a plain synchronous /_ping
/// (test attributes are built synchronously, during discovery).
/// </summary>
public static class DockerEngine
{
    /// <summary>The image the Docker tests run, imported by scripts/setup.sh from busybox-static (no registry needed).</summary>
    public const string TestImage = "embedded-test/busybox:latest";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);
    private static readonly Lazy<string?> Problem = new(Probe);

    public static Uri Endpoint { get; } = DockerEndpoint.Resolve(null, Environment.GetEnvironmentVariable, OperatingSystem.IsWindows());

    /// <summary>Under CI a missing engine is a failure, not a reason to skip.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static bool Answers => Problem.Value is null;

    /// <summary>Why the engine does not answer, or null.</summary>
    public static string? WhyNot => Problem.Value;

    /// <summary>Why a Docker test skips here, or null: only locally, when no engine answers; under CI=true it runs, and its fixture fails it.</summary>
    public static string? WhySkip => !IsCi && !Answers
        ? $"{WhyNot}. Run scripts/setup.sh to install and start one (with CI=true this test fails instead of skipping)."
        : null;

    private static string? Probe()
    {
        try
        {
            using var stream = Connect(Endpoint);
            stream.ReadTimeout = stream.WriteTimeout = (int)ProbeTimeout.TotalMilliseconds;
            stream.Write(Encoding.ASCII.GetBytes("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"));
            var buffer = new byte[256];
            var read = stream.Read(buffer);
            var answer = Encoding.ASCII.GetString(buffer, 0, read);
            return answer.StartsWith("HTTP/1.", StringComparison.Ordinal) && answer.Contains(" 200 ")
                ? null
                : $"the engine at {Endpoint} answered '{answer.Split('\n')[0].Trim()}'";
        }
        catch (Exception e) when (e is IOException or SocketException or TimeoutException or UnauthorizedAccessException or NotSupportedException)
        {
            return $"no Docker engine answers at {Endpoint}: {e.Message}";
        }
    }

    private static Stream Connect(Uri endpoint)
    {
        switch (endpoint.Scheme)
        {
            case "unix":
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                socket.Connect(new UnixDomainSocketEndPoint(endpoint.LocalPath));
                return new NetworkStream(socket, ownsSocket: true);
            }
            case "npipe":
            {
                var pipe = new NamedPipeClientStream(".", endpoint.Segments[^1], PipeDirection.InOut);
                pipe.Connect((int)ProbeTimeout.TotalMilliseconds);
                return pipe;
            }
            case "tcp" or "http":
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                socket.Connect(endpoint.Host, endpoint.Port);
                return new NetworkStream(socket, ownsSocket: true);
            }
            default:
                throw new NotSupportedException($"the tests probe unix://, npipe:// and plain tcp:// engines, not {endpoint.Scheme}://");
        }
    }
}
