using System.Net;
using Embedded.Server.Mesos;
using Embedded.Server.Security;
using Microsoft.AspNetCore.Http;

namespace Embedded.Server.Tests;

public sealed class ListeningTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5050", true)]
    [InlineData("https://127.0.0.2:5050", true)]
    [InlineData("http://localhost:5050", true)]
    [InlineData("http://LOCALHOST", true)]
    [InlineData("http://[::1]:5050", true)]
    [InlineData("http://unix:/run/embedded.sock", true)]
    [InlineData("http://0.0.0.0:5050", false)]
    [InlineData("http://[::]:5050", false)]
    [InlineData("http://*:5050", false)]
    [InlineData("http://+:5050", false)]
    [InlineData("https://10.1.2.3:5050/", false)]
    [InlineData("http://cluster.example.com:5050", false)]
    public void Loopback_is_told_from_everything_else(string url, bool loopback) =>
        ClusterApiListening.IsLoopback(url).Should().Be(loopback);

    [Fact]
    public void Off_loopback_without_authentication_is_refused()
    {
        var open = new ClusterApiOptions();
        var check = () => ClusterApiListening.EnsureSafe(["http://127.0.0.1:5050", "http://0.0.0.0:5050"], open);
        check.Should().Throw<InvalidOperationException>().WithMessage("*'http://0.0.0.0:5050' without authentication*Authentication*");
        ClusterApiListening.EnsureSafe(["http://localhost:5050", "http://[::1]:5050"], open);

        var secured = new ClusterApiOptions();
        secured.Authentication.BearerTokens["t"] = "ops";
        ClusterApiListening.EnsureSafe(["http://0.0.0.0:5050"], secured);
    }

    [Fact]
    public void Without_authentication_a_call_that_reached_a_non_loopback_address_is_refused()
    {
        var authenticator = new Authenticator(new ClusterApiAuthentication());
        var remote = new DefaultHttpContext();
        remote.Connection.LocalIpAddress = IPAddress.Parse("10.0.0.5");
        var call = () => authenticator.Authenticate(remote);
        call.Should().Throw<CallException>().Which.StatusCode.Should().Be(403);

        var local = new DefaultHttpContext();
        local.Connection.LocalIpAddress = IPAddress.Parse("::ffff:127.0.0.1");
        authenticator.Authenticate(local).Should().BeNull();
    }
}
