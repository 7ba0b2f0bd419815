namespace Embedded.Orchestration.Docker;

/// <summary>
/// An image name split the way the pull API wants it: repository, then a tag (latest when none, so
/// that a pull never fetches every tag) or a digest; and the registry that credentials are for.
/// </summary>
internal sealed record ImageReference(string Repository, string? Tag, string? Digest)
{
    /// <summary>Where Docker Hub credentials are sent, as the Docker CLI names it.</summary>
    public const string DockerHubServer = "https://index.docker.io/v1/";

    /// <summary>The registry's host (and port), or docker.io for Docker Hub images.</summary>
    public string Registry
    {
        get
        {
            var slash = Repository.IndexOf('/');
            if (slash < 0) return "docker.io";
            var first = Repository[..slash];
            return first.Contains('.') || first.Contains(':') || first == "localhost" ? first : "docker.io";
        }
    }

    /// <summary>The server address for registry credentials when the task names none.</summary>
    public string CredentialServer => Registry == "docker.io" ? DockerHubServer : Registry;

    /// <summary>The reference with its tag or digest, as the engine inspects and runs it.</summary>
    public string FullName => Digest is not null ? $"{Repository}@{Digest}" : $"{Repository}:{Tag ?? "latest"}";

    public static ImageReference Parse(string image)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(image);
        string? digest = null;
        var name = image;
        var at = name.IndexOf('@');
        if (at >= 0)
        {
            digest = name[(at + 1)..];
            name = name[..at];
        }

        // A colon after the last slash starts the tag; one before it belongs to a registry's port.
        var colon = name.LastIndexOf(':');
        if (colon > name.LastIndexOf('/'))
            return new ImageReference(name[..colon], digest is null ? name[(colon + 1)..] : null, digest);
        return new ImageReference(name, digest is null ? "latest" : null, digest);
    }
}
