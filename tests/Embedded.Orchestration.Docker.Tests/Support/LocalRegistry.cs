using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Embedded.Orchestration.Docker.Tests.Support;

/// <summary>
/// Two throwaway registries on 127.0.0.1 (which Docker treats as insecure, so plain http works):
/// one open, one behind htpasswd. Each holds the test image, pushed through the engine's API.
/// </summary>
public sealed class LocalRegistryFixture : IAsyncLifetime
{
    public const string User = "embedded";
    public const string Password = "s3cret-pass";
    public const string Repository = "embedded/busybox";

    private readonly List<Process> _registries = [];
    private readonly string _root = Directory.CreateTempSubdirectory("embedded-registry-").FullName;

    /// <summary>host:port of the registry without auth.</summary>
    public string Open { get; private set; } = "";

    /// <summary>host:port of the registry that wants <see cref="User"/> and <see cref="Password"/>.</summary>
    public string Authenticated { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (!DockerEngine.Answers) return; // The tests skip, or their DockerFixture fails them under CI.
        var binary = Executables.Find("docker-registry")
            ?? throw new InvalidOperationException("docker-registry is not installed; run scripts/setup.sh");
        var htpasswd = Executables.Find("htpasswd") ?? throw new InvalidOperationException("htpasswd is not installed; run scripts/setup.sh");

        Open = await StartAsync(binary, "open", htpasswdFile: null);
        var passwords = Path.Combine(_root, "htpasswd");
        await File.WriteAllTextAsync(passwords, await Processes.RunAsync(htpasswd, "-Bbn", User, Password));
        Authenticated = await StartAsync(binary, "auth", passwords);

        using var client = new DockerClientBuilder().WithEndpoint(DockerEngine.Endpoint).Build();
        await PushAsync(client, Open, auth: null);
        await PushAsync(client, Authenticated, new AuthConfig { Username = User, Password = Password, ServerAddress = Authenticated });
    }

    public Task DisposeAsync()
    {
        foreach (var registry in _registries)
        {
            try
            {
                registry.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited already.
            }
            registry.Dispose();
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: it is under the temp directory.
        }
        return Task.CompletedTask;
    }

    private async Task<string> StartAsync(string binary, string name, string? htpasswdFile)
    {
        var port = LoopbackPort.Free();
        var directory = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        var config = Path.Combine(directory, "config.yml");
        var auth = htpasswdFile is null ? "" : $"auth:\n  htpasswd:\n    realm: embedded\n    path: {htpasswdFile}\n";
        await File.WriteAllTextAsync(config,
            $"version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {directory}/data\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: embedded-test\n{auth}");

        var process = new Process
        {
            StartInfo = new ProcessStartInfo(binary) { ArgumentList = { "serve", config }, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false },
        };
        process.Start();
        _registries.Add(process);
        _ = process.StandardOutput.ReadToEndAsync();

        // The registry says when it listens; read its log rather than polling the port.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardError.ReadLineAsync(guard.Token) is { } line)
        {
            if (line.Contains("listening on", StringComparison.Ordinal))
            {
                _ = process.StandardError.ReadToEndAsync();
                return $"127.0.0.1:{port}";
            }
        }
        throw new InvalidOperationException($"docker-registry ({name}) exited with code {(process.HasExited ? process.ExitCode : -1)} before listening on port {port}");
    }

    private static async Task PushAsync(DockerClient client, string registry, AuthConfig? auth)
    {
        var target = $"{registry}/{Repository}";
        await client.Images.TagImageAsync(DockerFixture.TestImage, new ImageTagParameters { RepositoryName = target, Tag = "latest" });
        string? error = null;
        await client.Images.PushImageAsync(target, new ImagePushParameters { Tag = "latest" }, auth ?? new AuthConfig(),
            new SyncProgress(m => error ??= m.Error?.Message));
        if (error is not null) throw new InvalidOperationException($"pushing the test image to {registry} failed: {error}");

        // Only the registry has it now, so that tasks really pull it.
        await client.Images.DeleteImageAsync($"{target}:latest", new ImageDeleteParameters());
    }

    private sealed class SyncProgress(Action<JSONMessage> report) : IProgress<JSONMessage>
    {
        public void Report(JSONMessage value) => report(value);
    }
}
