using System.CommandLine;
using Embedded.Cli.Http;

namespace Embedded.Cli.Commands;

/// <summary>The master a command calls and how it authenticates: <c>--master</c>, <c>--principal</c>, <c>--secret-file</c>, <c>--token-file</c>, <c>--ca-certificate</c>.</summary>
internal sealed record ConnectionOptions(Option<Uri> Master, Option<string?> Principal, Option<FileInfo?> SecretFile, Option<FileInfo?> TokenFile, Option<FileInfo?> CaCertificate)
{
    public void AddTo(Command command)
    {
        command.Options.Add(Master);
        command.Options.Add(Principal);
        command.Options.Add(SecretFile);
        command.Options.Add(TokenFile);
        command.Options.Add(CaCertificate);
    }

    /// <summary>A client for the parsed master with the parsed (or environment's) credentials and trust; throws <see cref="MasterException"/> for incomplete ones.</summary>
    public MasterClient Connect(ParseResult parse) =>
        new(parse.GetValue(Master)!,
            MasterCredentials.Resolve(parse.GetValue(Principal), parse.GetValue(SecretFile), parse.GetValue(TokenFile), Environment.GetEnvironmentVariable),
            MasterTrust.Resolve(parse.GetValue(CaCertificate), Environment.GetEnvironmentVariable));
}
