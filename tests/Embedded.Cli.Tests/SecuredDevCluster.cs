namespace Embedded.Cli.Tests;

/// <summary>
/// `embedded dev --credentials FILE --operator ops`: principals ops (the operator) and alice, each with
/// a file holding the secret, as `--secret-file` reads it (a trailing newline is trimmed).
/// </summary>
public sealed class SecuredDevCluster : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"embedded-cli-{Guid.NewGuid():N}");
    private CliProcess? _dev;

    public string Url { get; private set; } = "";
    public string OpsSecretFile => Path.Combine(_directory, "ops.secret");
    public string AliceSecretFile => Path.Combine(_directory, "alice.secret");
    public string WrongSecretFile => Path.Combine(_directory, "wrong.secret");

    /// <summary>`--master URL --principal ops --secret-file FILE`.</summary>
    public string[] AsOps => ["--master", Url, "--principal", "ops", "--secret-file", OpsSecretFile];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var credentials = Path.Combine(_directory, "credentials");
        await File.WriteAllTextAsync(credentials, "ops ops-s3cret\nalice alice-s3cret\n");
        await File.WriteAllTextAsync(OpsSecretFile, "ops-s3cret\n");
        await File.WriteAllTextAsync(AliceSecretFile, "alice-s3cret\n");
        await File.WriteAllTextAsync(WrongSecretFile, "guess\n");
        (_dev, Url) = await DevCluster.StartAsync("--no-docker", "--credentials", credentials, "--operator", "ops");
    }

    public async Task DisposeAsync()
    {
        if (_dev is not null) await _dev.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
