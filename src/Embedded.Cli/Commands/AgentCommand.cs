using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Embedded.Cli.Http;
using Embedded.Orchestration.Docker;
using Embedded.Orchestration.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Embedded.Cli.Commands;

/// <summary>
/// `embedded agent --master URL`: an agent in this process that joins a master elsewhere, runs its process
/// (and, with --docker, container) tasks, and checkpoints in its work directory, so that started again on
/// it, it recovers what runs. Until Ctrl-C or SIGTERM, which kills its tasks and leaves the master.
/// </summary>
internal static class AgentCommand
{
    public static Command Create()
    {
        var master = CommonOptions.Master();
        var name = new Option<string>("--name", "-n")
        {
            Description = "The agent's id, unique in the cluster (letters, digits, '.', '_', '-')",
            DefaultValueFactory = _ => Environment.MachineName.ToLowerInvariant(),
        };
        var resources = new Option<string?>("--resources", "-r") { Description = "What it offers, as \"cpus:8;mem:16384;ports:[31000-32000]\" (default: this machine's cpus and memory)" };
        var attributes = new Option<string?>("--attributes") { Description = "Attributes jobs can be placed by, as \"rack:r1;zone:a\" (os and arch are added)" };
        var docker = new Option<string?>("--docker")
        {
            Description = "Run container tasks on this Docker engine too: unix:///var/run/docker.sock, npipe://./pipe/docker_engine or tcp://host:2376",
        };
        var workDir = new Option<string?>("--work-dir")
        {
            Description = "Where it keeps sandboxes and its checkpoint; started again on the same directory it recovers its tasks (default: a directory of its name under the temp directory)",
        };
        var credential = new Option<string?>("--credential")
        {
            Description = "A file with the principal and secret it authenticates with (\"principal secret\", or Mesos's JSON {\"principal\":..,\"secret\":..})",
        };
        var tokenFile = new Option<FileInfo?>("--token-file")
        {
            HelpName = "FILE",
            Description = "A file holding a bearer token it authenticates with instead of --credential (one of the master's --tokens)",
        };
        var caCertificate = CommonOptions.CaCertificate();
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log the agent's information messages too" };
        var command = new Command("agent", "Run an agent that joins a master over the network (`embedded master`, `embedded dev` or any app serving MapClusterApi); runs until Ctrl-C or SIGTERM, then kills its tasks")
        {
            master, name, resources, attributes, docker, workDir, credential, tokenFile, caCertificate, verbose,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var agentName = parse.GetValue(name)!;
            AgentCredential? secret = null;
            string? token = null;
            MasterTrust? trust;
            Dictionary<string, string> attributeValues;
            Uri? dockerEndpoint = null;
            try
            {
                if (parse.GetValue(credential) is { } file) secret = AgentCredential.Load(file);
                if (parse.GetValue(tokenFile) is { } tokens)
                {
                    if (secret is not null) throw new FormatException("pass either --credential (HTTP Basic) or --token-file (bearer), not both");
                    token = MasterCredentials.Read(tokens, "--token-file");
                }
                trust = MasterTrust.Resolve(parse.GetValue(caCertificate), Environment.GetEnvironmentVariable);
                attributeValues = Attributes(parse.GetValue(attributes));
                if (parse.GetValue(docker) is { } endpoint && !Uri.TryCreate(endpoint, UriKind.Absolute, out dockerEndpoint))
                    throw new FormatException($"--docker: '{endpoint}' is not an endpoint URL (e.g. unix:///var/run/docker.sock)");
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException or MasterException)
            {
                await Console.Error.WriteLineAsync($"embedded agent: {e.Message}").ConfigureAwait(false);
                return 2;
            }
            SelfWatchdog.UseWhenSingleFile();

            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(parse.GetValue(verbose) ? LogLevel.Information : LogLevel.Warning);
            builder.Services.AddClusterAgent(o =>
            {
                o.Master = parse.GetValue(master);
                o.Principal = secret?.Principal;
                o.Secret = secret?.Secret;
                o.BearerToken = token;
                if (trust is not null) o.RemoteCertificateValidationCallback = (_, certificate, _, errors) => trust.Validate(certificate as X509Certificate2, errors);
                o.Agent.Name = agentName;
                o.Agent.Resources = parse.GetValue(resources);
                o.Agent.WorkDirectory = parse.GetValue(workDir) ?? Path.Combine(Path.GetTempPath(), "embedded", $"agent-{agentName}");
                foreach (var (key, value) in attributeValues) o.Agent.SetAttribute(key, value);
                o.Agent.UseProcesses();
                if (dockerEndpoint is not null) o.Agent.UseDocker(d => d.Endpoint = dockerEndpoint);
            });
            using var host = builder.Build();
            try
            {
                await host.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or OptionsValidationException or ArgumentException)
            {
                await Console.Error.WriteLineAsync($"embedded agent: {agentName} did not join the master: {e.Message}").ConfigureAwait(false);
                return 2;
            }
            Console.WriteLine($"Agent {agentName} joined the master at {parse.GetValue(master)!.GetLeftPart(UriPartial.Authority)}; Ctrl-C stops it and kills its tasks");
            await host.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
            if (host.Services.GetServices<IHostedService>().OfType<RemoteAgentService>().SingleOrDefault()?.Refused is { } refused)
            {
                await Console.Error.WriteLineAsync($"embedded agent: {agentName} left the master, which refused it: {refused.Message}").ConfigureAwait(false);
                return 2;
            }
            Console.WriteLine($"Agent {agentName} stopped");
            return 0;
        });
        return command;
    }

    private static Dictionary<string, string> Attributes(string? text)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (text ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == pair.Length - 1) throw new FormatException($"--attributes: '{pair}' is not name:value (e.g. \"rack:r1;zone:a\")");
            attributes[pair[..colon]] = pair[(colon + 1)..];
        }
        return attributes;
    }
}
