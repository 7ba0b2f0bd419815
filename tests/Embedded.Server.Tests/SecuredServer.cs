using System.Text;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

/// <summary>An API with authentication: Basic principals a, b and ops (the operator) from a credentials file, and a bearer token for a.</summary>
internal static class SecuredServer
{
    public const string TokenOfA = "token-of-a";

    public static string Basic(string principal, string secret) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{principal}:{secret}"));

    public static string A => Basic("a", "secret-a");
    public static string B => Basic("b", "secret-b");
    public static string Ops => Basic("ops", "secret-ops");

    public static async Task<ApiServer> StartAsync(ITestOutputHelper output, TempFile credentials, int agents = 1) =>
        await ApiServer.StartAsync(output, o =>
        {
            o.Authentication.CredentialsFile = credentials.Path;
            o.Authentication.BearerTokens[TokenOfA] = "a";
            o.Authentication.OperatorPrincipals.Add("ops");
        }, agents);

    public static TempFile Credentials() =>
        new("""{"credentials":[{"principal":"a","secret":"secret-a"},{"principal":"b","secret":"secret-b"},{"principal":"ops","secret":"secret-ops"}]}""");
}

/// <summary>A file with the given text, deleted on dispose.</summary>
internal sealed class TempFile : IDisposable
{
    public TempFile(string text)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"embedded-{Guid.NewGuid():N}");
        File.WriteAllText(Path, text);
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}
