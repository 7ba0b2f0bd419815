using System.CommandLine;
using System.CommandLine.Parsing;

namespace Embedded.Cli.Commands;

/// <summary>Options several commands share.</summary>
internal static class CommonOptions
{
    public const string DefaultMaster = "http://127.0.0.1:5050";

    public static Option<Uri> Master() => Url("--master", "-m",
        "The master's HTTP API (an `embedded dev` or any app serving MapClusterApi)");

    /// <summary>--master and the credentials for it, which every command that calls a master takes.</summary>
    public static ConnectionOptions Connection() => new(Master(), Principal(), SecretFile(), TokenFile(), CaCertificate());

    public static Option<string?> Principal() => new("--principal")
    {
        HelpName = "P",
        Description = $"Authenticate with HTTP Basic as this principal (with --secret-file; default ${Http.MasterCredentials.PrincipalVariable})",
    };

    public static Option<FileInfo?> SecretFile() => new("--secret-file")
    {
        HelpName = "FILE",
        Description = $"A file holding the principal's secret (default ${Http.MasterCredentials.SecretVariable}, the secret itself)",
    };

    public static Option<FileInfo?> TokenFile() => new("--token-file")
    {
        HelpName = "FILE",
        Description = $"Authenticate with the bearer token in this file instead (default ${Http.MasterCredentials.TokenVariable}, the token itself)",
    };

    public static Option<FileInfo?> CaCertificate() => new("--ca-certificate")
    {
        HelpName = "FILE",
        Description = $"Trust an https:// master whose certificate this PEM file holds or signed (a self-signed certificate, or its CA), beside this machine's own trust (default ${Http.MasterTrust.Variable})",
    };

    /// <summary>An absolute http(s) URL option (System.CommandLine has no Uri parser of its own).</summary>
    public static Option<Uri> Url(string name, string alias, string description) => new(name, alias)
    {
        Description = description,
        DefaultValueFactory = _ => new Uri(DefaultMaster),
        CustomParser = ParseUrl,
    };

    private static Uri? ParseUrl(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https") return url;
        result.AddError($"{text} is not an http:// or https:// URL (e.g. {DefaultMaster})");
        return null;
    }

    /// <summary>A number option that must be above zero.</summary>
    public static Option<double> Positive(string name, string description, double defaultValue)
    {
        var option = new Option<double>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<double>();
            if (value <= 0) r.AddError($"{name} must be above 0");
            else if (value > Embedded.Orchestration.Model.Scalar.MaxValue) r.AddError($"{name} must be at most {Embedded.Orchestration.Model.Scalar.MaxValue}");
        });
        return option;
    }
}
