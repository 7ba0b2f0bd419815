using System.Net;
using System.Security.Cryptography;
using System.Text;
using Embedded.Server.Mesos;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Embedded.Server.Security;

/// <summary>
/// Finds the principal of a call (HTTP Basic against the credentials, or a bearer token) and decides
/// operator calls. Without credentials it lets every call through, but only on loopback: a call that
/// reached a non-loopback address of this host is refused, so an unauthenticated API is never exposed by accident.
/// </summary>
internal sealed class Authenticator
{
    private const string Realm = "embedded";
    private readonly Dictionary<string, byte[]> _secrets;
    private readonly (byte[] Hash, string Principal)[] _tokens;
    private readonly HashSet<string> _operators;
    private readonly HashSet<string> _agents;
    private readonly string[] _challenges;
    private readonly bool _anonymousRemote;

    public Authenticator(ClusterApiAuthentication options)
    {
        Enabled = options.IsEnabled;
        _anonymousRemote = options.AllowAnonymousRemoteCalls;
        _secrets = (options.CredentialsFile is { } file ? Credentials.Load(file) : [])
            .ToDictionary(c => c.Key, c => Encoding.UTF8.GetBytes(c.Value), StringComparer.Ordinal);
        foreach (var (token, principal) in options.BearerTokens)
            if (string.IsNullOrWhiteSpace(token) || string.IsNullOrWhiteSpace(principal))
                throw new ArgumentException("ClusterApiOptions.Authentication.BearerTokens: a token and its principal must be non-empty", nameof(options));
        _tokens = [.. options.BearerTokens.Select(t => (SHA256.HashData(Encoding.UTF8.GetBytes(t.Key)), t.Value))];
        _operators = new HashSet<string>(options.OperatorPrincipals, StringComparer.Ordinal);
        _agents = new HashSet<string>(options.AgentPrincipals, StringComparer.Ordinal);
        _challenges = [.. new[] { _secrets.Count > 0 ? $"Basic realm=\"{Realm}\"" : null, _tokens.Length > 0 ? $"Bearer realm=\"{Realm}\"" : null }.OfType<string>()];
    }

    public bool Enabled { get; }

    /// <summary>The call's principal, null when authentication is off; throws 401 (with a challenge) for missing or wrong credentials.</summary>
    public string? Authenticate(HttpContext context)
    {
        if (!Enabled)
        {
            if (!_anonymousRemote && context.Connection.LocalIpAddress is { } local && !IPAddress.IsLoopback(local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local))
                throw new CallException(403, "This API has no authentication configured and serves loopback only");
            return null;
        }
        var header = context.Request.Headers.Authorization.ToString();
        var principal = header switch
        {
            _ when header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) => FromBasic(header[6..].Trim()),
            _ when header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) => FromToken(header[7..].Trim()),
            _ => null,
        };
        if (principal is not null) return principal;
        context.Response.Headers[HeaderNames.WWWAuthenticate] = _challenges;
        throw new CallException(401, header.Length == 0 ? "Authentication required" : "Invalid credentials");
    }

    public bool IsOperator(string? principal) => principal is not null && _operators.Contains(principal);

    /// <summary>Operator calls need a listed operator principal (when authentication is on).</summary>
    public void RequireOperator(string? principal)
    {
        if (Enabled && !IsOperator(principal))
            throw new CallException(403, $"Principal '{principal}' is not authorized for operator calls");
    }

    /// <summary>Agent links need a listed agent principal (when authentication is on).</summary>
    public void RequireAgent(string? principal)
    {
        if (Enabled && (principal is null || !_agents.Contains(principal)))
            throw new CallException(403, $"Principal '{principal}' is not authorized to connect agents");
    }

    /// <summary>For the GET endpoints an operator reads: answers the refusal itself and returns false, or returns true.</summary>
    public async Task<bool> AdmitOperatorAsync(HttpContext context, Microsoft.Extensions.Logging.ILogger logger)
    {
        try
        {
            RequireOperator(Authenticate(context));
            return true;
        }
        catch (CallException e)
        {
            Log.Refused(logger, context.Request.Path, e.StatusCode, e.Message);
            await Http.ApiRequest.WriteErrorAsync(context, e.StatusCode, e.Message).ConfigureAwait(false);
            return false;
        }
    }

    private string? FromBasic(string encoded)
    {
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
        }
        catch (FormatException)
        {
            return null;
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0) return null;
        var principal = decoded[..colon];
        return _secrets.TryGetValue(principal, out var secret)
            && CryptographicOperations.FixedTimeEquals(secret, Encoding.UTF8.GetBytes(decoded[(colon + 1)..]))
            ? principal : null;
    }

    private string? FromToken(string token)
    {
        // Hashes compared in fixed time, so neither a token's bytes nor its length show in the timing.
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        string? found = null;
        foreach (var (known, principal) in _tokens)
            if (CryptographicOperations.FixedTimeEquals(known, hash)) found = principal;
        return found;
    }
}
