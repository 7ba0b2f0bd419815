using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

/// <summary>Kestrel's own HTTPS in front of the API: a client that trusts the certificate subscribes and calls over TLS.</summary>
public sealed class TlsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_client_that_trusts_the_certificate_subscribes_over_https_with_credentials()
    {
        using var certificate = SelfSigned();
        using var credentials = SecuredServer.Credentials();
        await using var server = await ApiServer.StartAsync(output,
            o => o.Authentication.CredentialsFile = credentials.Path,
            listen: l => l.UseHttps(certificate),
            handler: Trusting(certificate));
        server.Address.Scheme.Should().Be("https");

        using var subscribe = new HttpRequestMessage(HttpMethod.Post, "/api/v1/scheduler") { Content = new StringContent(Calls.Subscribe("tls"), Encoding.UTF8, "application/json") };
        subscribe.Content.Headers.ContentType!.CharSet = null;
        subscribe.Headers.TryAddWithoutValidation("Authorization", SecuredServer.A);
        using var response = await server.Http.SendAsync(subscribe, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await ReadErrorAsync(response));
        var streamId = response.Headers.GetValues("Mesos-Stream-Id").Single();
        await using var body = await response.Content.ReadAsStreamAsync();

        var subscribed = await NextRecordAsync(body);
        subscribed.GetProperty("type").GetString().Should().Be("SUBSCRIBED");
        var frameworkId = subscribed.GetProperty("subscribed").GetProperty("framework_id").GetProperty("value").GetString()!;
        JsonElement offers;
        do offers = await NextRecordAsync(body);
        while (offers.GetProperty("type").GetString() != "OFFERS");
        var offer = offers.GetProperty("offers").GetProperty("offers")[0];
        offer.GetProperty("url").GetProperty("scheme").GetString().Should().Be("https", "the offer's url is the API's, which is served over TLS");

        var offerId = offer.GetProperty("id").GetProperty("value").GetString()!;
        using var decline = await server.PostAsync("/api/v1/scheduler", Calls.Of(frameworkId, "DECLINE", $$"""{"offer_ids":[{"value":"{{offerId}}"}]}"""), streamId, authorization: SecuredServer.A);
        decline.StatusCode.Should().Be(HttpStatusCode.Accepted, await decline.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_certificate_is_refused_by_its_own_tls()
    {
        using var certificate = SelfSigned();
        await using var server = await ApiServer.StartAsync(output, listen: l => l.UseHttps(certificate));
        var call = () => server.PostAsync("/api/v1", """{"type":"GET_HEALTH"}""");
        await call.Should().ThrowAsync<HttpRequestException>();
    }

    /// <summary>A throwaway certificate for 127.0.0.1 and localhost, with its private key usable by Kestrel.</summary>
    private static X509Certificate2 SelfSigned()
    {
        using var created = TestCertificates.SelfSigned("embedded-test");
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    /// <summary>A handler that trusts exactly <paramref name="root"/> (a custom trust store, not "accept anything") and checks the name.</summary>
    private static SocketsHttpHandler Trusting(X509Certificate2 root) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(root);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            },
        },
    };

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response) =>
        response.IsSuccessStatusCode ? "" : await response.Content.ReadAsStringAsync();

    /// <summary>One RecordIO record (<c>length\n json</c>) from the stream.</summary>
    private static async Task<JsonElement> NextRecordAsync(Stream body)
    {
        using var guard = new CancellationTokenSource(EventStream.DefaultGuard);
        var length = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            await body.ReadExactlyAsync(one, guard.Token);
            if (one[0] == '\n') break;
            length.Append((char)one[0]);
        }
        var record = new byte[int.Parse(length.ToString(), System.Globalization.CultureInfo.InvariantCulture)];
        await body.ReadExactlyAsync(record, guard.Token);
        using var doc = JsonDocument.Parse(record);
        return doc.RootElement.Clone();
    }
}
