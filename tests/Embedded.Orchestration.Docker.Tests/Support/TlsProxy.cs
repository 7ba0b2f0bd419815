using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Embedded.Orchestration.Docker.Tests.Support;

/// <summary>
/// The local engine behind TLS, as a remote tcp:// engine on port 2376 would be, without touching the
/// engine's own configuration: a throwaway CA signs a server certificate for 127.0.0.1 and a client
/// certificate, and socat on 127.0.0.1 terminates TLS (demanding a client certificate from that CA)
/// in front of the engine's socket.
/// </summary>
public sealed class TlsProxyFixture : IAsyncLifetime
{
    public const string PfxPassword = "embedded-pfx";

    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private readonly string _root = Directory.CreateTempSubdirectory("embedded-tls-").FullName;
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _proxy;

    /// <summary>tcp://127.0.0.1:port of the proxy.</summary>
    public Uri Endpoint { get; private set; } = new("tcp://127.0.0.1:0");

    /// <summary>The CA that signed the server and client certificates (PEM).</summary>
    public string CaFile => Path.Combine(_root, "ca.pem");

    /// <summary>A CA that signed nothing the proxy presents: an engine checked against it is not trusted.</summary>
    public string OtherCaFile => Path.Combine(_root, "other-ca.pem");

    /// <summary>The client certificate and key as PKCS#12, protected by <see cref="PfxPassword"/>.</summary>
    public string ClientPfxFile => Path.Combine(_root, "client.pfx");

    /// <summary>The client certificate as PEM (Docker's cert.pem), with its key in <see cref="ClientKeyFile"/>.</summary>
    public string ClientPemFile => Path.Combine(_root, "client.pem");

    public string ClientKeyFile => Path.Combine(_root, "client.key");

    /// <summary>What socat logged: each connection, its TLS handshake and why one failed.</summary>
    public IReadOnlyCollection<string> Log => _log;

    public async Task InitializeAsync()
    {
        if (!DockerEngine.Answers) return; // The tests skip, or their DockerFixture fails them under CI.
        var openssl = Executables.Find("openssl") ?? throw new InvalidOperationException("openssl is not installed; run scripts/setup.sh");
        var socat = Executables.Find("socat") ?? throw new InvalidOperationException("socat is not installed; run scripts/setup.sh");
        var upstream = DockerEngine.Endpoint.Scheme switch
        {
            "unix" => $"UNIX-CONNECT:{DockerEngine.Endpoint.LocalPath}",
            "tcp" or "http" => $"TCP:{DockerEngine.Endpoint.Host}:{DockerEngine.Endpoint.Port}",
            _ => throw new InvalidOperationException($"the TLS proxy forwards to unix:// or plain tcp:// engines, not {DockerEngine.Endpoint}"),
        };

        using var guard = new CancellationTokenSource(Guard);
        await MakeCertificatesAsync(openssl, guard.Token);

        var port = LoopbackPort.Free();
        var listen = $"OPENSSL-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,cert={Path.Combine(_root, "server.pem")},key={Path.Combine(_root, "server.key")},cafile={CaFile},verify=1";
        _proxy = new Process
        {
            StartInfo = new ProcessStartInfo(socat) { ArgumentList = { "-d", "-d", listen, upstream }, RedirectStandardError = true, UseShellExecute = false },
        };
        _proxy.Start();

        // socat says when it listens (-d -d); read its log rather than polling the port.
        while (await _proxy.StandardError.ReadLineAsync(guard.Token) is { } line)
        {
            _log.Enqueue(line);
            if (line.Contains("listening on", StringComparison.Ordinal))
            {
                // Keep draining, or a full pipe would block socat (and every connection through it).
                _ = DrainAsync(_proxy.StandardError);
                Endpoint = new Uri($"tcp://127.0.0.1:{port}");
                return;
            }
        }
        throw new InvalidOperationException(
            $"socat exited with code {(_proxy.HasExited ? _proxy.ExitCode : -1)} before listening on port {port}: {string.Join(" | ", _log)}");
    }

    public async Task DisposeAsync()
    {
        if (_proxy is { } proxy)
        {
            try
            {
                // The tree: socat forks a child per connection, and a client's kept-alive one may still be open.
                proxy.Kill(entireProcessTree: true);
                using var guard = new CancellationTokenSource(Guard);
                await proxy.WaitForExitAsync(guard.Token);
            }
            catch (InvalidOperationException)
            {
                // Exited already.
            }
            proxy.Dispose();
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: it is under the temp directory.
        }
    }

    private async Task MakeCertificatesAsync(string openssl, CancellationToken cancellationToken)
    {
        string At(string name) => Path.Combine(_root, name);

        async Task MakeCaAsync(string name) =>
            await Processes.RunAsync(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-keyout", At($"{name}.key"), "-out", At($"{name}.pem"), "-subj", $"/CN=embedded-test-{name}",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], cancellationToken);

        async Task MakeLeafAsync(string name, string subject, string extensions)
        {
            await File.WriteAllTextAsync(At($"{name}.ext"), extensions, cancellationToken);
            await Processes.RunAsync(openssl, ["req", "-newkey", "rsa:2048", "-nodes",
                "-keyout", At($"{name}.key"), "-out", At($"{name}.csr"), "-subj", subject], cancellationToken);
            await Processes.RunAsync(openssl, ["x509", "-req", "-days", "1", "-in", At($"{name}.csr"),
                "-CA", CaFile, "-CAkey", At("ca.key"), "-CAcreateserial", "-out", At($"{name}.pem"), "-extfile", At($"{name}.ext")], cancellationToken);
        }

        await MakeCaAsync("ca");
        await MakeCaAsync("other-ca");

        // The client checks the engine's name against the endpoint's host, so the server certificate names the IP.
        await MakeLeafAsync("server", "/CN=127.0.0.1",
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n");
        await MakeLeafAsync("client", "/CN=embedded-client",
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n");
        await Processes.RunAsync(openssl, ["pkcs12", "-export", "-in", ClientPemFile, "-inkey", ClientKeyFile,
            "-out", ClientPfxFile, "-passout", $"pass:{PfxPassword}"], cancellationToken);
    }

    private async Task DrainAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line) _log.Enqueue(line);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The proxy was killed.
        }
    }
}
