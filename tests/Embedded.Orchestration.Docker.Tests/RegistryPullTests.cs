using Embedded.Orchestration.Docker.Tests.Support;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Docker.Tests;

/// <summary>Pulls from a registry the fixture runs on 127.0.0.1: open, with credentials, with wrong ones.</summary>
public sealed class RegistryPullTests(DockerFixture docker, LocalRegistryFixture registry, ITestOutputHelper output)
    : DockerTest(docker, output), IClassFixture<DockerFixture>, IClassFixture<LocalRegistryFixture>
{
    private static Job FromRegistry(string registry, RegistryCredentials? credentials = null, string repository = LocalRegistryFixture.Repository)
    {
        var job = Job.Docker($"{registry}/{repository}:latest", ["sh", "-c", "echo pulled and ran"]);
        return job with { Container = job.Container! with { Pull = PullPolicy.Always, Credentials = credentials } };
    }

    [DockerFact]
    public async Task An_image_is_pulled_from_an_open_registry()
    {
        var agent = NewAgent("pull");
        await using var cluster = await StartClusterAsync(agent);
        var result = await cluster.Jobs.RunAsync(FromRegistry(registry.Open)).WaitAsync(Guard);

        result.State.Should().Be(TaskState.Finished, result.ToString());
        result.Stdout.Should().Be("pulled and ran\n");
    }

    [DockerFact]
    public async Task An_image_is_pulled_with_the_right_credentials()
    {
        var agent = NewAgent("auth");
        await using var cluster = await StartClusterAsync(agent);
        var credentials = new RegistryCredentials(LocalRegistryFixture.User, LocalRegistryFixture.Password);
        var result = await cluster.Jobs.RunAsync(FromRegistry(registry.Authenticated, credentials)).WaitAsync(Guard);

        result.State.Should().Be(TaskState.Finished, result.ToString());
        result.Stdout.Should().Be("pulled and ran\n");
    }

    [DockerFact]
    public async Task A_wrong_password_fails_the_pull_with_the_registrys_words_and_creates_nothing()
    {
        var agent = NewAgent("badauth");
        await using var cluster = await StartClusterAsync(agent);
        var result = await cluster.Jobs.RunAsync(FromRegistry(registry.Authenticated, new RegistryCredentials(LocalRegistryFixture.User, "wrong"))).WaitAsync(Guard);

        result.State.Should().Be(TaskState.Failed);
        result.Reason.Should().Be(TaskReason.ImagePullFailed);
        result.Message.Should().Contain($"pulling image {registry.Authenticated}/{LocalRegistryFixture.Repository}:latest failed")
            .And.ContainAny("unauthorized", "authentication required", "no basic auth credentials");
        result.Message.Should().NotContain("wrong", "a status must never carry the password");
        (await Docker.ContainersOfAsync(agent)).Should().BeEmpty();
    }

    [DockerFact]
    public async Task No_credentials_for_a_private_registry_fail_the_pull()
    {
        var agent = NewAgent("noauth");
        await using var cluster = await StartClusterAsync(agent);
        var result = await cluster.Jobs.RunAsync(FromRegistry(registry.Authenticated)).WaitAsync(Guard);

        result.State.Should().Be(TaskState.Failed);
        result.Reason.Should().Be(TaskReason.ImagePullFailed);
    }

    [DockerFact]
    public async Task An_image_the_registry_does_not_have_fails_the_pull()
    {
        var agent = NewAgent("missing");
        await using var cluster = await StartClusterAsync(agent);
        var result = await cluster.Jobs.RunAsync(FromRegistry(registry.Open, repository: "embedded/not-there")).WaitAsync(Guard);

        result.State.Should().Be(TaskState.Failed);
        result.Reason.Should().Be(TaskReason.ImagePullFailed);
        result.Message.Should().Contain("not-there");
    }

    [DockerFact]
    public async Task A_registry_that_does_not_answer_fails_the_pull()
    {
        var agent = NewAgent("noreg");
        await using var cluster = await StartClusterAsync(agent);
        var result = await cluster.Jobs.RunAsync(FromRegistry("127.0.0.1:1")).WaitAsync(Guard);

        result.State.Should().Be(TaskState.Failed);
        result.Reason.Should().Be(TaskReason.ImagePullFailed);
        result.Message.Should().Contain("connection refused");
    }
}
