namespace Embedded.Orchestration.Scheduling.Services;

/// <summary>Keeps services running on the cluster through the built-in service scheduler.</summary>
public interface IServiceClient
{
    /// <summary>
    /// Deploys a service and returns at once; its instances start as offers come. Throws
    /// <see cref="ArgumentException"/> for a bad spec or a name that is deployed already.
    /// </summary>
    Task<ServiceHandle> DeployAsync(ServiceSpec spec, CancellationToken cancellationToken = default);

    /// <summary>The deployed service named <paramref name="name"/> (those of <c>AddService</c> included), or null.</summary>
    ServiceHandle? Find(string name);

    /// <summary>
    /// Deploys a service and waits until it is healthy; dispose the handle to stop it. When the wait
    /// fails or is cancelled, the service is stopped again and the exception thrown.
    /// </summary>
    async Task<ServiceHandle> StartAsync(ServiceSpec spec, CancellationToken cancellationToken = default)
    {
        var handle = await DeployAsync(spec, cancellationToken).ConfigureAwait(false);
        try
        {
            await handle.WaitUntilHealthyAsync(cancellationToken).ConfigureAwait(false);
            return handle;
        }
        catch
        {
            await handle.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
