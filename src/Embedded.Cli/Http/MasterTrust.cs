using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Embedded.Cli.Http;

/// <summary>
/// Extra roots for an https master (<c>--ca-certificate FILE</c> or <c>EMBEDDED_CA_CERTIFICATE</c>): its
/// certificate passes when this machine trusts it, or when it chains to one of the file's certificates
/// and names the master's host. Never "accept anything".
/// </summary>
internal sealed class MasterTrust(X509Certificate2Collection roots)
{
    public const string Variable = "EMBEDDED_CA_CERTIFICATE";

    /// <summary>The option's file, else the variable's; null for the machine's own trust only. Throws <see cref="MasterException"/> for a file that holds no certificate.</summary>
    public static MasterTrust? Resolve(FileInfo? file, Func<string, string?> environment)
    {
        var path = file?.FullName ?? (environment(Variable) is { Length: > 0 } value ? value.Trim() : null);
        if (path is null) return null;
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new MasterException($"--ca-certificate {path}: cannot read it ({e.Message})");
        }
        return roots.Count > 0 ? new MasterTrust(roots) : throw new MasterException($"--ca-certificate {path}: it holds no PEM certificate");
    }

    public bool Validate(X509Certificate2? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        // Only an unknown root is forgiven: a wrong name or a missing certificate is not.
        if (certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
