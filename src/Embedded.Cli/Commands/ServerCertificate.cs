using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Embedded.Cli.Commands;

/// <summary>
/// The certificate `dev` and `master` serve https with, as Kestrel's configuration takes one: a PEM
/// certificate with its key (in the same file or <c>--certificate-key</c>), or a PKCS#12 file
/// (<c>.pfx</c>/<c>.p12</c>, with <c>--certificate-password-file</c> when it has a password).
/// </summary>
internal static class ServerCertificate
{
    /// <summary>The certificate with its private key; throws <see cref="FormatException"/> naming the file otherwise.</summary>
    public static X509Certificate2 Load(string path, string? keyPath, string? passwordFile)
    {
        try
        {
            var pkcs12 = path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);
            if (pkcs12)
            {
                if (keyPath is not null) throw new FormatException($"--certificate-key: {path} is a PKCS#12 file, which holds its key itself");
                var password = passwordFile is null ? null : File.ReadAllText(passwordFile).TrimEnd('\r', '\n');
                var loaded = X509CertificateLoader.LoadPkcs12FromFile(path, password);
                return loaded.HasPrivateKey ? loaded : throw new FormatException($"--certificate {path}: it holds no private key");
            }
            if (passwordFile is not null) throw new FormatException("--certificate-password-file is for a PKCS#12 (.pfx, .p12) --certificate");
            using var pem = X509Certificate2.CreateFromPemFile(path, keyPath);
            // A PEM key is ephemeral, which Windows' TLS cannot use: give Kestrel a PKCS#12 copy, as it does itself.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new FormatException($"--certificate {path}{(keyPath is null ? "" : $" (key {keyPath})")}: cannot load it ({OneLine(e.Message)})");
        }
    }

    internal static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
