using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Docker.Tests.Unit;

/// <summary>The create request, without an engine: Windows engines are only reachable this way here.</summary>
public sealed class ContainerRequestBuilderTests
{
    private static readonly EngineFacts Windows = new("windows", "x64", "25.0.3", 8, 16L << 30);
    private static readonly EngineFacts Linux = new("linux", "x64", "20.10.24", 2, 8L << 30);

    private static TaskLaunch Launch(ContainerSpec spec, string resources = "cpus:1.5;mem:256;ports:[31005-31005]", string agent = "agent-1") =>
        new(agent, "fw-1", new TaskInfo("task.1", "t", agent, Resources.Parse(resources)) { Container = spec }, "/tmp/sandbox");

    private static TaskLaunchException Refused(TaskLaunch launch, EngineFacts engine, params string[] allowed)
    {
        var error = FluentActions.Invoking(() => ContainerRequestBuilder.Build(launch, "1", engine, allowed)).Should().Throw<TaskLaunchException>().Which;
        error.Reason.Should().Be(TaskReason.TaskInvalid);
        return error;
    }

    [Theory]
    [InlineData(ContainerIsolation.Process, "process")]
    [InlineData(ContainerIsolation.HyperV, "hyperv")]
    [InlineData(ContainerIsolation.Default, null)]
    public void Isolation_maps_to_the_engines_names_on_windows(ContainerIsolation isolation, string? expected)
    {
        var request = ContainerRequestBuilder.Build(Launch(new ContainerSpec("mcr.microsoft.com/windows/nanoserver:ltsc2022") { Isolation = isolation }), "1", Windows, []);
        request.HostConfig!.Isolation.Should().Be(expected);
    }

    [Theory]
    [InlineData(ContainerIsolation.Process)]
    [InlineData(ContainerIsolation.HyperV)]
    public void A_linux_engine_refuses_isolation(ContainerIsolation isolation)
    {
        Refused(Launch(new ContainerSpec("busybox") { Isolation = isolation }), Linux).Message.Should().Contain("is for Windows containers");
    }

    [Fact]
    public void The_default_network_is_nat_on_windows_and_bridge_on_linux_and_a_named_one_wins()
    {
        ContainerRequestBuilder.Build(Launch(new ContainerSpec("img")), "1", Windows, []).HostConfig!.NetworkMode.Should().Be("nat");
        ContainerRequestBuilder.Build(Launch(new ContainerSpec("img")), "1", Linux, []).HostConfig!.NetworkMode.Should().Be("bridge");
        ContainerRequestBuilder.Build(Launch(new ContainerSpec("img") { Network = "backend" }), "1", Linux, []).HostConfig!.NetworkMode.Should().Be("backend");
    }

    [Fact]
    public void Cpus_and_mem_become_hard_limits_without_swap_on_linux()
    {
        var linux = ContainerRequestBuilder.Build(Launch(new ContainerSpec("img")), "1", Linux, []).HostConfig!;
        linux.NanoCPUs.Should().Be(1_500_000_000);
        linux.Memory.Should().Be(256L * 1024 * 1024);
        linux.MemorySwap.Should().Be(256L * 1024 * 1024);

        var windows = ContainerRequestBuilder.Build(Launch(new ContainerSpec("img")), "1", Windows, []).HostConfig!;
        windows.NanoCPUs.Should().Be(1_500_000_000);
        windows.Memory.Should().Be(256L * 1024 * 1024);
        windows.MemorySwap.Should().Be(0, "Windows containers have no swap setting");
    }

    [Fact]
    public void Memory_below_what_docker_accepts_is_refused()
    {
        Refused(Launch(new ContainerSpec("img"), "cpus:1;mem:4"), Linux).Message.Should().Contain("below the 6 MB");
    }

    [Fact]
    public void Windows_host_paths_mount_under_allowed_directories_case_insensitively()
    {
        var spec = new ContainerSpec("img") { Volumes = [new VolumeMount(@"c:\Data\in", @"C:\app\in", ReadOnly: true), new VolumeMount("cache", @"C:\cache")] };
        var mounts = ContainerRequestBuilder.Build(Launch(spec), "1", Windows, [@"C:\data"]).HostConfig!.Mounts!;

        mounts.Should().HaveCount(2);
        mounts[0].Type.Should().Be("bind");
        mounts[0].Source.Should().Be(@"C:\Data\in");
        mounts[0].Target.Should().Be(@"C:\app\in");
        mounts[0].ReadOnly.Should().BeTrue();
        mounts[1].Type.Should().Be("volume");
        mounts[1].Source.Should().Be("cache");
    }

    [Theory]
    [InlineData(@"C:\secrets", "not under an allowed directory")]
    [InlineData(@"C:\data\..\secrets", "not under an allowed directory")]
    [InlineData(@"C:\database", "not under an allowed directory")]
    [InlineData("/data", "not an absolute path on this agent's windows engine")]
    public void Windows_host_paths_outside_the_allowed_directories_are_refused(string source, string why)
    {
        var spec = new ContainerSpec("img") { Volumes = [new VolumeMount(source, @"C:\app")] };
        Refused(Launch(spec), Windows, @"C:\data").Message.Should().Contain(why);
    }

    [Theory]
    [InlineData("/etc", "/srv/allowed", "not under an allowed directory")]
    [InlineData("/srv/allowed-not", "/srv/allowed", "not under an allowed directory")]
    [InlineData("/srv/allowed/../../etc", "/srv/allowed", "not under an allowed directory")]
    [InlineData(@"C:\data", "/srv/allowed", "not an absolute path on this agent's linux engine")]
    [InlineData("/srv/allowed/x", null, "allows no host paths")]
    public void Linux_host_paths_outside_the_allowed_directories_are_refused(string source, string? allowed, string why)
    {
        var spec = new ContainerSpec("img") { Volumes = [new VolumeMount(source, "/mnt")] };
        Refused(Launch(spec), Linux, allowed is null ? [] : [allowed]).Message.Should().Contain(why);
    }

    [Theory]
    [InlineData("./relative", "/mnt", "neither an absolute host path nor a volume name")]
    [InlineData("cache", "relative/target", "must be an absolute linux path")]
    public void Volumes_that_are_neither_paths_nor_names_are_refused(string source, string target, string why)
    {
        Refused(Launch(new ContainerSpec("img") { Volumes = [new VolumeMount(source, target)] }), Linux, "/srv").Message.Should().Contain(why);
    }

    [Fact]
    public void Ports_environment_labels_command_and_name_are_mapped()
    {
        var spec = new ContainerSpec("registry.local:5000/team/app")
        {
            Entrypoint = ["/bin/app"],
            Command = ["--port", "8080"],
            Environment = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("MODE", "fast").Add("EMBEDDED_TASK_ID", "spoofed"),
            Labels = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("team", "blue"),
            WorkingDirectory = "/srv",
            User = "nobody",
            PortMappings = [new PortMapping(8080, 31005)],
        };
        var request = ContainerRequestBuilder.Build(Launch(spec, agent: "worker 1/a"), "7", Linux, []);

        request.Image.Should().Be("registry.local:5000/team/app:latest");
        request.Name.Should().Be("embedded-worker-1-a-task.1-7");
        request.Entrypoint.Should().Equal("/bin/app");
        request.Cmd.Should().Equal("--port", "8080");
        request.WorkingDir.Should().Be("/srv");
        request.User.Should().Be("nobody");
        request.Env.Should().Equal("MODE=fast", "EMBEDDED_TASK_ID=task.1", "EMBEDDED_AGENT_ID=worker 1/a", "EMBEDDED_FRAMEWORK_ID=fw-1");
        request.Labels.Should().Contain(new Dictionary<string, string>
        {
            ["team"] = "blue",
            ["embedded.managed"] = "true",
            ["embedded.agent"] = "worker 1/a",
            ["embedded.framework"] = "fw-1",
            ["embedded.task"] = "task.1",
            ["embedded.run"] = "7",
        });
        request.ExposedPorts!.Keys.Should().Equal("8080/tcp");
        var binding = request.HostConfig!.PortBindings["8080/tcp"].Single();
        binding.HostIP.Should().Be("0.0.0.0");
        binding.HostPort.Should().Be("31005");
    }

    [Fact]
    public void An_image_for_another_os_and_ports_without_a_publishing_network_are_refused()
    {
        Refused(Launch(new ContainerSpec("img") { Os = "windows" }), Linux).Message.Should().Contain("needs a windows engine");
        Refused(Launch(new ContainerSpec("img") { Os = "linux" }), Windows).Message.Should().Contain("needs a linux engine");
        Refused(Launch(new ContainerSpec("img") { Network = "host", PortMappings = [new PortMapping(80, 31005)] }), Linux).Message.Should().Contain("network 'host'");
        Refused(Launch(new ContainerSpec("img") { PortMappings = [new PortMapping(80)] }), Linux).Message.Should().Contain("has no host port");
    }

    [Fact]
    public void A_very_long_name_is_cut_but_stays_unique()
    {
        var a = ContainerRequestBuilder.Name(new string('a', 150), new string('t', 150), "1");
        var b = ContainerRequestBuilder.Name(new string('a', 150), new string('t', 150), "2");
        a.Length.Should().BeLessThanOrEqualTo(200);
        a.Should().NotBe(b);
    }
}
