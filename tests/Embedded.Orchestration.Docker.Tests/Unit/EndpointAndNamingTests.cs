namespace Embedded.Orchestration.Docker.Tests.Unit;

/// <summary>Endpoint resolution (with the OS passed in, so the Windows default is testable anywhere), image references, paths, arch names.</summary>
public sealed class EndpointAndNamingTests
{
    private static string? NoEnvironment(string name) => null;

    [Fact]
    public void Without_configuration_windows_uses_the_named_pipe_and_linux_the_socket()
    {
        DockerEndpoint.Resolve(null, NoEnvironment, isWindows: true).Should().Be(new Uri("npipe://./pipe/docker_engine"));
        DockerEndpoint.Resolve(null, NoEnvironment, isWindows: false).Should().Be(new Uri("unix:///var/run/docker.sock"));
    }

    [Fact]
    public void DOCKER_HOST_wins_over_the_default_and_the_options_win_over_DOCKER_HOST()
    {
        string? Env(string name) => name == "DOCKER_HOST" ? "tcp://10.0.0.5:2376" : null;
        DockerEndpoint.Resolve(null, Env, isWindows: true).Should().Be(new Uri("tcp://10.0.0.5:2376"));
        DockerEndpoint.Resolve(new Uri("unix:///run/user/1000/docker.sock"), Env, isWindows: false).Should().Be(new Uri("unix:///run/user/1000/docker.sock"));
    }

    [Theory]
    [InlineData("not a uri", "is not a valid endpoint URI")]
    [InlineData("ssh://me@host", "ssh:// endpoints are not supported")]
    [InlineData("ftp://host", "must be unix://, npipe:// or tcp://")]
    public void A_bad_DOCKER_HOST_says_what_is_wrong(string value, string why)
    {
        FluentActions.Invoking(() => DockerEndpoint.Resolve(null, n => n == "DOCKER_HOST" ? value : null, isWindows: false))
            .Should().Throw<InvalidOperationException>().WithMessage($"*{why}*");
    }

    [Theory]
    [InlineData("busybox", "busybox", "latest", null, "docker.io", "busybox:latest")]
    [InlineData("library/busybox:1.36", "library/busybox", "1.36", null, "docker.io", "library/busybox:1.36")]
    [InlineData("127.0.0.1:5000/team/app", "127.0.0.1:5000/team/app", "latest", null, "127.0.0.1:5000", "127.0.0.1:5000/team/app:latest")]
    [InlineData("localhost/app:v2", "localhost/app", "v2", null, "localhost", "localhost/app:v2")]
    [InlineData("ghcr.io/o/app@sha256:abc", "ghcr.io/o/app", null, "sha256:abc", "ghcr.io", "ghcr.io/o/app@sha256:abc")]
    public void Image_references_split_into_repository_tag_and_registry(string image, string repository, string? tag, string? digest, string registry, string full)
    {
        var reference = ImageReference.Parse(image);
        reference.Repository.Should().Be(repository);
        reference.Tag.Should().Be(tag);
        reference.Digest.Should().Be(digest);
        reference.Registry.Should().Be(registry);
        reference.FullName.Should().Be(full);
    }

    [Fact]
    public void Docker_hub_credentials_go_to_the_index_server()
    {
        ImageReference.Parse("busybox").CredentialServer.Should().Be("https://index.docker.io/v1/");
        ImageReference.Parse("127.0.0.1:5000/app").CredentialServer.Should().Be("127.0.0.1:5000");
    }

    [Theory]
    [InlineData("x86_64", "x64")]
    [InlineData("amd64", "x64")]
    [InlineData("aarch64", "arm64")]
    [InlineData("arm64", "arm64")]
    [InlineData("armv7l", "arm")]
    [InlineData("s390x", "s390x")]
    public void Engine_architectures_use_the_agents_names(string docker, string agent) =>
        EngineFacts.NormalizeArch(docker).Should().Be(agent);

    [Theory]
    [InlineData("/srv/data/x", "/srv/data", false, true)]
    [InlineData("/srv/data", "/srv/data/", false, true)]
    [InlineData("/srv/database", "/srv/data", false, false)]
    [InlineData("/srv/data/../etc", "/srv/data", false, false)]
    [InlineData("/SRV/data", "/srv/data", false, false)]
    [InlineData(@"D:\Shares\x", @"d:\shares", true, true)]
    [InlineData(@"\\server\share\x", @"\\server\share", true, true)]
    [InlineData(@"C:\x", @"D:\", true, false)]
    public void Host_paths_are_under_a_directory_only_by_whole_segments(string path, string directory, bool windows, bool under) =>
        HostPaths.IsUnder(path, directory, windows).Should().Be(under);
}
