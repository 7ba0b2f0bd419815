namespace Embedded.Orchestration.Docker;

/// <summary>Asks, before relying on it, whether a Docker engine answers and has an image: for apps that fall back to processes.</summary>
public static class DockerEngineCheck
{
    /// <summary>
    /// Null when the engine (configured endpoint, else DOCKER_HOST, else the platform default)
    /// answers and, if <paramref name="image"/> is named, has it; otherwise one sentence saying why not.
    /// </summary>
    public static async Task<string?> WhyNotAsync(Action<DockerOptions>? configure = null, string? image = null, CancellationToken cancellationToken = default)
    {
        var options = new DockerOptions { RequestTimeout = TimeSpan.FromSeconds(5) };
        configure?.Invoke(options);
        Uri endpoint;
        try
        {
            endpoint = DockerEndpoint.Resolve(options);
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
        try
        {
            using var client = DockerEndpoint.CreateClient(endpoint, options);
            await client.System.PingAsync(cancellationToken).ConfigureAwait(false);
            if (image is null) return null;
            try
            {
                await client.Images.InspectImageAsync(image, cancellationToken).ConfigureAwait(false);
                return null;
            }
            catch (Exception e) when (EngineErrors.IsNotFound(e))
            {
                return $"the Docker engine at {endpoint} has no image {image}";
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return $"no Docker engine answers at {endpoint} ({e.GetBaseException().Message})";
        }
    }
}
