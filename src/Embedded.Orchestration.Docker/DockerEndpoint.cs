using System.Net.Http;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Docker.DotNet;
using Docker.DotNet.Handler.Abstractions;

namespace Embedded.Orchestration.Docker;

/// <summary>Which engine an agent talks to, and the client that talks to it.</summary>
internal static class DockerEndpoint
{
    public static readonly Uri UnixDefault = new("unix:///var/run/docker.sock");
    public static readonly Uri WindowsDefault = new("npipe://./pipe/docker_engine");

    /// <summary>The configured endpoint, else DOCKER_HOST, else the platform's default; the OS and environment are passed in so both branches are testable.</summary>
    public static Uri Resolve(Uri? configured, Func<string, string?> environment, bool isWindows)
    {
        if (configured is not null) return Check(configured, "DockerOptions.Endpoint");
        var host = environment("DOCKER_HOST");
        if (!string.IsNullOrWhiteSpace(host))
        {
            return Uri.TryCreate(host.Trim(), UriKind.Absolute, out var uri)
                ? Check(uri, "DOCKER_HOST")
                : throw new InvalidOperationException($"DOCKER_HOST '{host}' is not a valid endpoint URI (e.g. unix:///var/run/docker.sock or tcp://host:2376)");
        }
        return isWindows ? WindowsDefault : UnixDefault;
    }

    public static Uri Resolve(DockerOptions options) =>
        Resolve(options.Endpoint, System.Environment.GetEnvironmentVariable, OperatingSystem.IsWindows());

    public static DockerClient CreateClient(Uri endpoint, DockerOptions options)
    {
        var builder = new DockerClientBuilder().WithEndpoint(endpoint);
        if (options.RequestTimeout != Timeout.InfiniteTimeSpan) builder = builder.WithTimeout(options.RequestTimeout);
        if (CreateTls(endpoint, options) is { } tls) builder = builder.WithAuthProvider(tls);
        return builder.Build();
    }

    /// <summary>TLS for tcp:// engines when the options name certificates (Docker's port 2376 setup).</summary>
    internal static TlsAuthProvider? CreateTls(Uri endpoint, DockerOptions options)
    {
        var wantsTls = options.ClientCertificateFile is not null || options.CaCertificateFile is not null || endpoint.Scheme == "https";
        if (!wantsTls) return null;
        if (endpoint.Scheme is not ("tcp" or "https"))
            throw new InvalidOperationException($"TLS settings apply to tcp:// endpoints, not {endpoint}");

        X509Certificate2? client = null;
        if (options.ClientCertificateFile is { } file)
        {
            try
            {
                client = Path.GetExtension(file).ToLowerInvariant() is ".pem" or ".crt" or ".cer"
                    ? X509Certificate2.CreateFromPemFile(file, options.ClientKeyFile)
                    : X509CertificateLoader.LoadPkcs12FromFile(file, options.ClientCertificatePassword);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                throw new InvalidOperationException($"cannot load the Docker client certificate '{file}': {e.Message}", e);
            }
        }

        X509Certificate2? ca = null;
        if (options.CaCertificateFile is { } caFile)
        {
            try
            {
                ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new InvalidOperationException($"cannot load the Docker CA certificate '{caFile}': {e.Message}", e);
            }
        }
        return new TlsAuthProvider(client, ca, options.VerifyEngineCertificate);
    }

    private static Uri Check(Uri uri, string source) => uri.Scheme switch
    {
        "unix" or "npipe" or "tcp" or "http" or "https" => uri,
        "ssh" => throw new InvalidOperationException($"{source} '{uri}': ssh:// endpoints are not supported; forward the engine's socket and use unix:// or tcp://"),
        _ => throw new InvalidOperationException($"{source} '{uri}' must be unix://, npipe:// or tcp://"),
    };

    /// <summary>Presents the client certificate and checks the engine's against the given CA.</summary>
    internal sealed class TlsAuthProvider(X509Certificate2? client, X509Certificate2? ca, bool verify) : IAuthProvider
    {
        public bool TlsEnabled => true;

        public X509Certificate2? ClientCertificate => client;

        public HttpMessageHandler ConfigureHandler(HttpMessageHandler handler)
        {
            switch (handler)
            {
                case Microsoft.Net.Http.Client.ManagedHandler managed:
                    if (client is not null) managed.ClientCertificates = [client];
                    managed.ServerCertificateValidationCallback = ValidateServer;
                    break;
                case SocketsHttpHandler sockets:
                    if (client is not null) sockets.SslOptions.ClientCertificates = [client];
                    sockets.SslOptions.RemoteCertificateValidationCallback = ValidateServer;
                    break;
                default:
                    throw new InvalidOperationException($"cannot configure TLS on a {handler.GetType().Name}");
            }
            return new HandshakeErrors(handler, this);
        }

        /// <summary>Why <see cref="ValidateServer"/> last refused the engine: the handshake's own error only says that a callback did.</summary>
        private volatile string? _rejection;

        internal bool ValidateServer(object? sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            if (!verify) return true;
            if (ca is null) return Accept(errors == SslPolicyErrors.None, $"the engine's certificate is not trusted by this machine ({errors})");
            if (certificate is null) return Accept(false, "the engine presented no certificate");
            if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                return Accept(false, $"the engine's certificate ({certificate.Subject}) does not fit the endpoint ({errors})");

            // The engine's certificate must chain to the given CA and to nothing else.
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.Add(ca);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return Accept(custom.Build(leaf), $"the engine's certificate ({leaf.Subject}, issued by {leaf.Issuer}) does not chain to the CA {ca.Subject} of DockerOptions.CaCertificateFile");
        }

        private bool Accept(bool trusted, string otherwise)
        {
            _rejection = trusted ? null : otherwise;
            return trusted;
        }

        /// <summary>Why a handshake failed, in terms of the options.</summary>
        private string Explain(AuthenticationException error)
        {
            if (_rejection is { } rejection) return rejection;
            var detail = error.GetBaseException().Message;
            return client is null
                ? $"the engine refused it ({detail}); does it want a client certificate (DockerOptions.ClientCertificateFile)?"
                : $"the engine refused it ({detail}); does it trust the CA that signed the client certificate {client.Subject}?";
        }

        /// <summary>
        /// The legacy ManagedHandler (tcp://) lets a failed handshake out as a bare AuthenticationException, which
        /// names no engine and which callers do not take for an engine error; SocketsHttpHandler wraps it in an
        /// HttpRequestException, and so does this.
        /// </summary>
        private sealed class HandshakeErrors(HttpMessageHandler inner, TlsAuthProvider tls) : DelegatingHandler(inner)
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                try
                {
                    return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                }
                catch (AuthenticationException e)
                {
                    throw new TlsHandshakeException($"the TLS handshake with the engine failed: {tls.Explain(e)}", e);
                }
            }
        }

        /// <summary>The engine answered, but not over TLS we accept: its message already says why in full.</summary>
        internal sealed class TlsHandshakeException(string message, Exception inner) : HttpRequestException(message, inner);
    }
}
