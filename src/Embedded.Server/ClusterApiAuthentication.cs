namespace Embedded.Server;

/// <summary>
/// Who may call the cluster's HTTP API. Off (nothing configured) by default, which is only for
/// loopback: see <see cref="ClusterApiListening"/>. Once a credentials file or a bearer token is
/// set, every call must authenticate (401 otherwise), a framework's calls must come from the
/// principal that subscribed it (403 otherwise) and operator calls from an operator principal.
/// </summary>
public sealed class ClusterApiAuthentication
{
    /// <summary>
    /// HTTP Basic credentials, as Mesos's <c>--credentials</c>: JSON <c>{"credentials":[{"principal":"p","secret":"s"}]}</c>
    /// or one <c>principal secret</c> per line. Read when the API is mapped; a bad file fails there.
    /// </summary>
    public string? CredentialsFile { get; set; }

    /// <summary>Bearer tokens (<c>Authorization: Bearer &lt;token&gt;</c>), each to the principal it authenticates.</summary>
    public IDictionary<string, string> BearerTokens { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Principals that may make operator calls (<c>POST /api/v1</c>, <c>GET /state</c>); none by default.</summary>
    public ISet<string> OperatorPrincipals { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// Principals that may connect agents (<c>GET /api/v1/agents/connect</c>, as Mesos's <c>--authenticate_agents</c>);
    /// none by default, so with authentication on, no agent of another process can join until one is listed.
    /// </summary>
    public ISet<string> AgentPrincipals { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// Without credentials, serve unauthenticated calls that reach a non-loopback address too
    /// (off by default: they get 403). For a trusted network only; <c>embedded dev --insecure</c> sets it.
    /// </summary>
    public bool AllowAnonymousRemoteCalls { get; set; }

    /// <summary>Whether any credentials are configured, so calls must authenticate.</summary>
    public bool IsEnabled => CredentialsFile is not null || BearerTokens.Count > 0;
}
