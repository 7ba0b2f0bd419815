using System.Net.Http.Headers;
using System.Text;

namespace Embedded.Cli.Http;

/// <summary>
/// How the CLI authenticates to a master that requires it: HTTP Basic (a principal and its secret) or a
/// bearer token, read from files or the environment, never from the command line itself.
/// </summary>
internal sealed record MasterCredentials(string? Principal, string? Secret, string? Token)
{
    public const string PrincipalVariable = "EMBEDDED_PRINCIPAL";
    public const string SecretVariable = "EMBEDDED_SECRET";
    public const string TokenVariable = "EMBEDDED_TOKEN";

    /// <summary>What to pass, for a master that asks for credentials.</summary>
    public const string Hint = $"pass --principal and --secret-file, or --token-file (or set {PrincipalVariable} and {SecretVariable}, or {TokenVariable})";

    public static readonly MasterCredentials None = new(null, null, null);

    public bool IsNone => Principal is null && Token is null;

    public AuthenticationHeaderValue? Header =>
        Token is not null ? new AuthenticationHeaderValue("Bearer", Token)
        : Principal is not null ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Principal}:{Secret}")))
        : null;

    /// <summary>Who these credentials say the caller is, for messages.</summary>
    public string Describe() => Token is not null ? "the bearer token" : Principal is not null ? $"principal '{Principal}'" : "an anonymous caller";

    /// <summary>
    /// The options first, then the environment: <c>--token-file</c>, or <c>--principal</c> with
    /// <c>--secret-file</c> (each falls back to its variable); with no option, <c>EMBEDDED_TOKEN</c> or
    /// <c>EMBEDDED_PRINCIPAL</c> and <c>EMBEDDED_SECRET</c>. Throws <see cref="MasterException"/> for an incomplete pair or an unreadable file.
    /// </summary>
    public static MasterCredentials Resolve(string? principal, FileInfo? secretFile, FileInfo? tokenFile, Func<string, string?> environment)
    {
        if (tokenFile is not null)
        {
            if (principal is not null || secretFile is not null)
                throw new MasterException("pass either --principal with --secret-file (HTTP Basic) or --token-file (bearer), not both");
            return new(null, null, Read(tokenFile, "--token-file"));
        }
        if (principal is not null || secretFile is not null)
        {
            var who = principal ?? Variable(environment, PrincipalVariable)
                ?? throw new MasterException($"--secret-file needs --principal (or {PrincipalVariable})");
            var secret = secretFile is not null ? Read(secretFile, "--secret-file") : Variable(environment, SecretVariable)
                ?? throw new MasterException($"--principal {who} needs --secret-file FILE (or {SecretVariable}); a secret is never given on the command line");
            return new(who, secret, null);
        }
        if (Variable(environment, TokenVariable) is { } token) return new(null, null, token);
        if (Variable(environment, PrincipalVariable) is { } fromEnvironment)
            return new(fromEnvironment, Variable(environment, SecretVariable)
                ?? throw new MasterException($"{PrincipalVariable} is set but {SecretVariable} is not: set both, or pass --secret-file"), null);
        return None;
    }

    private static string? Variable(Func<string, string?> environment, string name) => environment(name) is { Length: > 0 } value ? value.Trim() : null;

    /// <summary>A file's one trimmed value (a secret or a token); throws <see cref="MasterException"/> naming <paramref name="option"/> when it cannot be read or is empty.</summary>
    public static string Read(FileInfo file, string option)
    {
        string text;
        try
        {
            text = File.ReadAllText(file.FullName).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MasterException($"{option} {file.FullName}: cannot read it ({e.Message})");
        }
        return text.Length > 0 ? text : throw new MasterException($"{option} {file.FullName} is empty");
    }
}
