using Embedded.Orchestration.Execution;

namespace Embedded.Orchestration.Docker;

/// <summary>How an agent reaches its Docker engine and what its containers may touch on the host.</summary>
public sealed class DockerOptions
{
    /// <summary>
    /// The engine: <c>unix:///var/run/docker.sock</c>, <c>npipe://./pipe/docker_engine</c> or <c>tcp://host:2376</c>.
    /// When null: the <c>DOCKER_HOST</c> environment variable, else the platform's default socket or pipe.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>
    /// For a tcp:// engine that wants TLS client authentication: a PKCS#12 file (.pfx/.p12, with
    /// <see cref="ClientCertificatePassword"/>) or a PEM certificate (.pem/.crt, with <see cref="ClientKeyFile"/>).
    /// </summary>
    public string? ClientCertificateFile { get; set; }

    public string? ClientCertificatePassword { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="ClientCertificateFile"/> (Docker's key.pem).</summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>A PEM file with the CA that signed the engine's certificate; when null, the system's trust store decides.</summary>
    public string? CaCertificateFile { get; set; }

    /// <summary>Whether to check the engine's TLS certificate; turn off only for throwaway test engines.</summary>
    public bool VerifyEngineCertificate { get; set; } = true;

    /// <summary>
    /// Host directories that tasks may mount (and everything under them). Any other host path is
    /// refused with TaskInvalid; named volumes are always allowed.
    /// </summary>
    public List<string> AllowedHostPaths { get; } = [];

    /// <summary>How much of each output stream (stdout, stderr) a task's status carries, in characters.</summary>
    public int LogTailBytes { get; set; } = OutputTail.DefaultCapacity;

    /// <summary>The longest an ordinary engine request (inspect, create, kill, …) may take; pulls and waits are not bounded by it.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// How long a running task waits for an engine that stopped answering (a daemon restart) before it
    /// fails as lost. Meanwhile it keeps following the container, which a live-restore engine keeps running.
    /// </summary>
    public TimeSpan EngineReconnectTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Sets the engine to talk to, as <c>unix:///var/run/docker.sock</c>, <c>npipe://./pipe/docker_engine</c> or <c>tcp://host:2376</c>.</summary>
    public DockerOptions UseEndpoint(string endpoint)
    {
        Endpoint = new Uri(endpoint);
        return this;
    }

    public DockerOptions AllowHostPath(string directory)
    {
        AllowedHostPaths.Add(directory);
        return this;
    }

    /// <summary>Returns why the options cannot work, or null.</summary>
    internal string? Validate()
    {
        if (LogTailBytes <= 0) return "LogTailBytes must be positive";
        if (RequestTimeout <= TimeSpan.Zero && RequestTimeout != Timeout.InfiniteTimeSpan) return "RequestTimeout must be positive";
        if (EngineReconnectTimeout < TimeSpan.Zero) return "EngineReconnectTimeout must not be negative";
        if (ClientCertificatePassword is not null && ClientCertificateFile is null) return "a client certificate password needs a ClientCertificateFile";
        foreach (var path in AllowedHostPaths)
            if (string.IsNullOrWhiteSpace(path) || !HostPaths.IsRooted(path)) return $"allowed host path '{path}' must be an absolute path";
        return null;
    }
}
