using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

public sealed class CredentialsFileTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("{\"credentials\":[{\"principal\":\"a\",\"secret\":", "*is not valid JSON*")]
    [InlineData("{\"principals\":[]}", "*must have a 'credentials' array*")]
    [InlineData("{\"credentials\":[]}", "*holds no credentials*")]
    [InlineData("{\"credentials\":[{\"principal\":\"a\"}]}", "*credential 1 needs a non-empty string 'principal' and 'secret'*")]
    [InlineData("{\"credentials\":[{\"principal\":\"a\",\"secret\":\"x\"},{\"principal\":\"a\",\"secret\":\"y\"}]}", "*credential 2: principal 'a' is listed twice*")]
    [InlineData("a secret-a\nb\n", "*line 2: expected 'principal secret', found 1 field(s)*")]
    [InlineData("a one two\n", "*line 1: expected 'principal secret', found 3 field(s)*")]
    [InlineData("a:b secret\n", "*line 1: a principal cannot contain ':'*")]
    [InlineData("\n# nobody\n", "*holds no credentials*")]
    public async Task A_bad_credentials_file_fails_when_the_api_is_mapped_naming_the_file_and_the_place(string text, string message)
    {
        using var file = new TempFile(text);
        await using var app = App();
        var map = () => app.MapClusterApi(o => o.Authentication.CredentialsFile = file.Path);
        map.Should().Throw<InvalidOperationException>().WithMessage($"Credentials file '{file.Path}': *").WithMessage(message);
    }

    [Fact]
    public async Task A_missing_credentials_file_fails_when_the_api_is_mapped()
    {
        await using var app = App();
        var map = () => app.MapClusterApi(o => o.Authentication.CredentialsFile = "/nonexistent/credentials.json");
        map.Should().Throw<InvalidOperationException>().WithMessage("Credentials file '/nonexistent/credentials.json': cannot be read*");
    }

    [Fact]
    public async Task An_empty_bearer_token_fails_when_the_api_is_mapped()
    {
        await using var app = App();
        var map = () => app.MapClusterApi(o => o.Authentication.BearerTokens[" "] = "a");
        map.Should().Throw<ArgumentException>().WithMessage("*BearerTokens*");
    }

    [Fact]
    public async Task Plain_principal_secret_lines_authenticate()
    {
        using var file = new TempFile("# principal secret\nops  s3cret\n\nfw\tother\n");
        await using var server = await ApiServer.StartAsync(output, o =>
        {
            o.Authentication.CredentialsFile = file.Path;
            o.Authentication.OperatorPrincipals.Add("ops");
        });
        using (var ok = await server.PostAsync("/api/v1", """{"type":"GET_HEALTH"}""", authorization: SecuredServer.Basic("ops", "s3cret")))
            ok.StatusCode.Should().Be(HttpStatusCode.OK);
        using (var notOperator = await server.PostAsync("/api/v1", """{"type":"GET_HEALTH"}""", authorization: SecuredServer.Basic("fw", "other")))
            notOperator.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        using (var wrong = await server.PostAsync("/api/v1", """{"type":"GET_HEALTH"}""", authorization: SecuredServer.Basic("ops", "other")))
            wrong.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    private static WebApplication App()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddClusterOrchestration();
        return builder.Build();
    }
}
