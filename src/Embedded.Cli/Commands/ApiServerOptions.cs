using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Embedded.Orchestration.Hosting;
using Embedded.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Embedded.Cli.Commands;

/// <summary>What `dev` and `master` share: where the HTTP API listens, who may call it, and how they log.</summary>
internal sealed class ApiServerOptions
{
    private readonly string _command;
    private volatile bool _starting = true;

    public ApiServerOptions(string command)
    {
        _command = command;
        Listen = CommonOptions.Url("--listen", "-l",
            "Where the HTTP API listens, for frameworks, operators and agents (a non-loopback address needs --credentials, --tokens or --insecure; https:// needs --certificate)");
    }

    public Option<Uri> Listen { get; }

    public Option<string?> Credentials { get; } = new("--credentials")
    {
        HelpName = "FILE",
        Description = "A credentials file (Mesos's JSON or \"principal secret\" lines): every call must then authenticate with HTTP Basic (or a token of --tokens)",
    };

    public Option<string?> Tokens { get; } = new("--tokens")
    {
        HelpName = "FILE",
        Description = "A file of bearer tokens, one \"principal token\" per line: every call must then authenticate (a client passes its token with --token-file)",
    };

    public Option<string[]> Operators { get; } = new("--operator")
    {
        HelpName = "P",
        Description = "A principal of --credentials or --tokens that may make operator calls (state, jobs, kill); repeat for more",
    };

    public Option<string[]> AgentPrincipals { get; } = new("--agent-principal")
    {
        HelpName = "P",
        Description = "A principal of --credentials or --tokens that may connect agents (`embedded agent --credential` or --token-file); repeat for more",
    };

    public Option<string?> Certificate { get; } = new("--certificate")
    {
        HelpName = "FILE",
        Description = "Serve https with this certificate: PEM (its key in the file or --certificate-key) or PKCS#12 (.pfx, .p12); needs an https:// --listen",
    };

    public Option<string?> CertificateKey { get; } = new("--certificate-key")
    {
        HelpName = "FILE",
        Description = "The PEM private key of a PEM --certificate that does not hold it",
    };

    public Option<string?> CertificatePasswordFile { get; } = new("--certificate-password-file")
    {
        HelpName = "FILE",
        Description = "A file holding the password of a PKCS#12 --certificate",
    };

    public Option<bool> Insecure { get; } = new("--insecure")
    {
        Description = "Listen on a non-loopback address without authentication (anyone who reaches it can run commands here)",
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "Log the cluster's information messages too" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Listen, Credentials, Tokens, Operators, AgentPrincipals, Certificate, CertificateKey, CertificatePasswordFile, Insecure, Verbose })
            command.Options.Add(option);
    }

    /// <summary>
    /// Refuses (exit code 2, with why) to serve a non-loopback address without authentication unless --insecure,
    /// and https without a certificate (or a certificate without https); null when it may go on.
    /// </summary>
    public async Task<int?> RefuseUnsafeAsync(ParseResult parse)
    {
        var listen = parse.GetValue(Listen)!;
        var authenticated = parse.GetValue(Credentials) is not null || parse.GetValue(Tokens) is not null;
        var loopback = ClusterApiListening.IsLoopback(listen.ToString());
        var certificate = parse.GetValue(Certificate);
        if (listen.Scheme == Uri.UriSchemeHttps && certificate is null)
            return await FailAsync($"--listen {listen} is https, which needs --certificate FILE (PEM with --certificate-key, or a .pfx)").ConfigureAwait(false);
        if (listen.Scheme != Uri.UriSchemeHttps && (certificate ?? parse.GetValue(CertificateKey) ?? parse.GetValue(CertificatePasswordFile)) is not null)
            return await FailAsync($"--certificate serves https: listen on https://… (--listen is {listen})").ConfigureAwait(false);
        if (!loopback && !authenticated && !parse.GetValue(Insecure))
        {
            return await FailAsync(
                $"refusing to listen on {listen}: it is not a loopback address, and without --credentials or --tokens the API has no authentication, " +
                "so anyone who can reach it could run commands on this machine. Listen on 127.0.0.1 (the default), give --credentials FILE or --tokens FILE, or pass --insecure to accept that.").ConfigureAwait(false);
        }
        if (!loopback && !authenticated)
            await Console.Error.WriteLineAsync($"embedded {_command}: warning: serving {listen} without authentication (--insecure): anyone who reaches it can run commands here").ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Builds and starts a web app serving a cluster configured by <paramref name="cluster"/> over the API, as the
    /// options say; null, after one line on stderr, when it cannot (a bad credentials, tokens or certificate file, a port in use).
    /// </summary>
    public async Task<WebApplication?> StartAsync(ParseResult parse, Action<ClusterOptions> cluster, CancellationToken cancellationToken)
    {
        WebApplication app;
        try
        {
            app = Build(parse, cluster);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException)
        {
            await FailAsync(e.Message).ConfigureAwait(false);
            return null;
        }
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            _starting = false;
            return app;
        }
        // Kestrel's bind failure is an IOException ("address already in use"); options are checked at start.
        catch (Exception e) when (e is IOException or InvalidOperationException or OptionsValidationException or UnauthorizedAccessException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            await FailAsync($"cannot serve {parse.GetValue(Listen)}: {e.Message}").ConfigureAwait(false);
            return null;
        }
    }

    private WebApplication Build(ParseResult parse, Action<ClusterOptions> cluster)
    {
        var listen = parse.GetValue(Listen)!;
        var credentials = parse.GetValue(Credentials);
        var tokens = parse.GetValue(Tokens) is { } tokensFile ? ServerTokens.Load(tokensFile) : null;
        X509Certificate2? certificate = parse.GetValue(Certificate) is { } certificateFile
            ? ServerCertificate.Load(certificateFile, parse.GetValue(CertificateKey), parse.GetValue(CertificatePasswordFile))
            : null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(listen.GetLeftPart(UriPartial.Authority));
        if (certificate is not null)
        {
            // The slim builder leaves Kestrel's https out until asked for.
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate));
        }
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(parse.GetValue(Verbose) ? LogLevel.Information : LogLevel.Warning);
        // A failed start is the exception StartAsync says in one line; the host would log it with its stack first.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", _ => !_starting);
        builder.Services.AddClusterOrchestration(cluster);
        var app = builder.Build();
        app.MapClusterApi(o =>
        {
            o.Authentication.CredentialsFile = credentials;
            foreach (var (token, principal) in tokens ?? []) o.Authentication.BearerTokens[token] = principal;
            foreach (var principal in parse.GetValue(Operators) ?? []) o.Authentication.OperatorPrincipals.Add(principal);
            foreach (var principal in parse.GetValue(AgentPrincipals) ?? []) o.Authentication.AgentPrincipals.Add(principal);
            o.Authentication.AllowAnonymousRemoteCalls = parse.GetValue(Insecure) && !o.Authentication.IsEnabled;
        });
        app.MapClusterDashboard();
        return app;
    }

    private async Task<int> FailAsync(string message)
    {
        await Console.Error.WriteLineAsync($"embedded {_command}: {ServerCertificate.OneLine(message)}").ConfigureAwait(false);
        return 2;
    }
}
