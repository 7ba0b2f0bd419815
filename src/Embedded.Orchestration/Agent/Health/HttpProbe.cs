namespace Embedded.Orchestration.Agent.Health;

/// <summary>An HTTP GET; a status of <c>expected</c>, or any from 200 to 399 when null, passes (redirects are not followed, as Mesos's curl).</summary>
internal sealed class HttpProbe(Uri uri, int? expected) : IHealthProbe
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan, // The checker's timeout, on its clock, decides.
    };

    public string Description { get; } = $"HTTP GET {uri}";

    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.ConnectionClose = true;
            using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var passed = expected is { } e ? status == e : status is >= 200 and < 400;
            return new ProbeResult(passed, $"{Description}: {status}");
        }
        catch (HttpRequestException e) when (!cancellationToken.IsCancellationRequested)
        {
            return new ProbeResult(false, $"{Description}: {e.HttpRequestError switch
            {
                HttpRequestError.ConnectionError => "connection failed",
                _ => e.HttpRequestError.ToString(),
            }} ({e.Message})");
        }
    }
}
