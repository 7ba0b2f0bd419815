using Embedded.Orchestration.Model;
using Xunit.Abstractions;

namespace Embedded.Client.Tests;

/// <summary>The remote client sends the credentials of its options, and a master that wants them refuses a client without.</summary>
public sealed class RemoteAuthenticationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_bearer_token_from_the_options_is_sent_with_every_call()
    {
        await using var server = await ClusterApiHost.StartAsync(output, api: o =>
        {
            o.Authentication.BearerTokens["secret-token"] = "ci";
            o.Authentication.OperatorPrincipals.Add("ci");
        });
        await using var remote = await RemoteHost.StartAsync(server.Address, output, o => { o.BearerToken = "secret-token"; o.Jobs.Enabled = false; });
        await using var session = await remote.Client.SubscribeAsync(new FrameworkInfo("authenticated"));
        await new EventStream(session).Next<OffersEvent>();
        (await remote.Client.GetAgentsAsync()).Should().ContainSingle();

        await using var anonymous = await RemoteHost.StartAsync(server.Address, output, o => o.Jobs.Enabled = false);
        await FluentActions.Awaiting(() => anonymous.Client.SubscribeAsync(new FrameworkInfo("anonymous")))
            .Should().ThrowAsync<InvalidOperationException>().WithMessage("*401*");
    }
}
