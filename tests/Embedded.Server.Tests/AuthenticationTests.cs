using System.Net;
using Xunit.Abstractions;
using static Embedded.Server.Tests.SecuredServer;

namespace Embedded.Server.Tests;

public sealed class AuthenticationTests(ITestOutputHelper output)
{
    private const string Api = "/api/v1/scheduler";

    [Theory]
    [InlineData(null)]
    [InlineData("Basic YTp3cm9uZw==")]        // a:wrong
    [InlineData("Basic bm9ib2R5OnNlY3JldC1h")] // nobody:secret-a
    [InlineData("Basic not-base64!")]
    [InlineData("Bearer wrong-token")]
    [InlineData("Bearer ")]
    [InlineData("Digest a")]
    public async Task Calls_without_valid_credentials_get_401_with_a_challenge(string? authorization)
    {
        using var credentials = Credentials();
        await using var server = await StartAsync(output, credentials);

        foreach (var (path, body) in new[] { (Api, Calls.Subscribe("anon")), ("/api/v1", """{"type":"GET_HEALTH"}""") })
        {
            using var response = await server.PostAsync(path, body, authorization: authorization);
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, path);
            response.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().BeEquivalentTo(["Basic", "Bearer"]);
            response.Headers.WwwAuthenticate.Should().OnlyContain(h => h.Parameter == "realm=\"embedded\"");
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, "/state");
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var state = await server.Http.SendAsync(request);
        state.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await server.Cluster.Client.GetStateAsync()).Frameworks.Should().BeEmpty("nothing subscribed");
    }

    [Fact]
    public async Task Right_Basic_or_bearer_credentials_subscribe_and_call()
    {
        using var credentials = Credentials();
        await using var server = await StartAsync(output, credentials);

        await using var basic = await server.SubscribeAsync("basic", authorization: A);
        basic.StatusCode.Should().Be(200);
        var offer = (await basic.NextAsync("OFFERS")).GetProperty("offers").GetProperty("offers")[0];
        using (var accept = await server.PostAsync(Api, Calls.Launch(basic.FrameworkId, Id(offer), Calls.ShellTask("t", "agent-1", "true")), basic.StreamId, authorization: A))
            accept.StatusCode.Should().Be(HttpStatusCode.Accepted, await accept.Content.ReadAsStringAsync());
        await basic.NextUpdateAsync(server, "t", "TASK_FINISHED");

        // The same principal by its bearer token may make calls for the framework it subscribed.
        using (var revive = await server.PostAsync(Api, Calls.Of(basic.FrameworkId, "REVIVE"), basic.StreamId, authorization: $"Bearer {TokenOfA}"))
            revive.StatusCode.Should().Be(HttpStatusCode.Accepted);

        await using var bearer = await server.SubscribeAsync("bearer", authorization: $"bearer {TokenOfA}");
        bearer.StatusCode.Should().Be(200);
        await bearer.NextAsync("SUBSCRIBED");

        using var health = await server.Http.GetAsync("/health");
        health.StatusCode.Should().Be(HttpStatusCode.OK, "/health stays open for probes");
    }

    [Fact]
    public async Task A_principal_cannot_make_calls_for_another_principals_framework()
    {
        using var credentials = Credentials();
        await using var server = await StartAsync(output, credentials);
        await using var b = await server.SubscribeAsync("b", authorization: B);
        var offer = (await b.NextAsync("OFFERS")).GetProperty("offers").GetProperty("offers")[0];
        await using var a = await server.SubscribeAsync("a", authorization: A);
        await a.NextAsync("SUBSCRIBED");

        foreach (var call in new[]
        {
            Calls.Launch(b.FrameworkId, Id(offer), Calls.ShellTask("stolen", offer.GetProperty("agent_id").GetProperty("value").GetString()!, "true")),
            Calls.Of(b.FrameworkId, "KILL", """{"task_id":{"value":"stolen"}}"""),
            Calls.Of(b.FrameworkId, "TEARDOWN"),
        })
        {
            using var response = await server.PostAsync(Api, call, b.StreamId, authorization: A);
            response.StatusCode.Should().Be(HttpStatusCode.Forbidden, call);
            (await response.Content.ReadAsStringAsync()).Should().Contain("Principal 'a' is not allowed to make calls for framework " + b.FrameworkId);
        }

        // Nor take it over by subscribing with its id.
        using (var failover = await server.PostAsync(Api, Calls.Subscribe("b", $$""","id":{"value":"{{b.FrameworkId}}"}"""), authorization: A))
            failover.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        var state = await server.Cluster.Client.GetStateAsync();
        state.Frameworks.Should().Contain(f => f.FrameworkId == b.FrameworkId && f.Connected, "b was neither torn down nor replaced");
        state.Tasks.Should().BeEmpty("a could not launch on b's offer");
        using (var own = await server.PostAsync(Api, Calls.Of(b.FrameworkId, "TEARDOWN"), b.StreamId, authorization: B))
            own.StatusCode.Should().Be(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task The_principal_that_subscribed_a_framework_may_fail_over_with_its_id_by_any_of_its_credentials()
    {
        using var credentials = Credentials();
        await using var server = await StartAsync(output, credentials);
        string frameworkId;
        await using (var first = await server.SubscribeAsync("failover", ""","failover_timeout":60,"principal":"a" """, authorization: A))
        {
            await first.NextAsync("SUBSCRIBED");
            frameworkId = first.FrameworkId;
        }

        await using var second = await server.SubscribeAsync("failover", $$""","failover_timeout":60,"id":{"value":"{{frameworkId}}"}""", authorization: $"Bearer {TokenOfA}");
        second.StatusCode.Should().Be(200);
        await second.NextAsync("SUBSCRIBED");
        second.FrameworkId.Should().Be(frameworkId);
    }

    [Fact]
    public async Task A_framework_the_app_subscribed_in_process_cannot_be_taken_over_over_http()
    {
        using var credentials = Credentials();
        await using var server = await StartAsync(output, credentials);
        await using var local = await server.Cluster.Client.SubscribeAsync(new Embedded.Orchestration.Model.FrameworkInfo("in-process", "*") { FailoverTimeout = TimeSpan.FromMinutes(1) });

        using var takeover = await server.PostAsync(Api, Calls.Subscribe("thief", $$""","failover_timeout":60,"id":{"value":"{{local.FrameworkId}}"}"""), authorization: A);
        takeover.StatusCode.Should().Be(HttpStatusCode.Forbidden, await takeover.Content.ReadAsStringAsync());
        using var call = await server.PostAsync(Api, Calls.Of(local.FrameworkId, "TEARDOWN"), "any", authorization: A);
        call.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await server.Cluster.Client.GetStateAsync()).Frameworks.Should().ContainSingle(f => f.FrameworkId == local.FrameworkId);
    }

    [Fact]
    public async Task A_framework_info_principal_must_be_the_authenticated_one()
    {
        using var credentials = Credentials();
        await using var server = await StartAsync(output, credentials);
        using var response = await server.PostAsync(Api, Calls.Subscribe("liar", ""","principal":"b" """), authorization: A);
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).Should().Contain("does not match authenticated principal 'a'");
    }

    [Fact]
    public async Task Operator_calls_need_an_operator_principal()
    {
        using var credentials = Credentials();
        await using var server = await StartAsync(output, credentials);

        using (var getState = await server.PostAsync("/api/v1", """{"type":"GET_STATE"}""", authorization: A))
            getState.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        foreach (var path in new[] { "/state", "/master/state.json", "/metrics" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("Authorization", A);
            using var response = await server.Http.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.Forbidden, path);
            (await response.Content.ReadAsStringAsync()).Should().Contain("not authorized for operator calls");
        }

        using (var getState = await server.PostAsync("/api/v1", """{"type":"GET_STATE"}""", authorization: Ops))
            getState.StatusCode.Should().Be(HttpStatusCode.OK);
        using var ok = new HttpRequestMessage(HttpMethod.Get, "/state");
        ok.Headers.TryAddWithoutValidation("Authorization", Ops);
        using var state = await server.Http.SendAsync(ok);
        state.StatusCode.Should().Be(HttpStatusCode.OK);
        (await state.Content.ReadAsStringAsync()).Should().Contain("\"frameworks\"");
        using var metrics = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        metrics.Headers.TryAddWithoutValidation("Authorization", Ops);
        (await server.Http.SendAsync(metrics)).StatusCode.Should().Be(HttpStatusCode.OK);
        using (var anonymous = await server.Http.GetAsync("/metrics"))
            anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    private static string Id(System.Text.Json.JsonElement offer) => offer.GetProperty("id").GetProperty("value").GetString()!;
}
