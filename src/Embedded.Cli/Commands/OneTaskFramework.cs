using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Embedded.Cli.Http;

namespace Embedded.Cli.Commands;

/// <summary>
/// A minimal Mesos framework over the v1 HTTP scheduler API: subscribe, accept the first offer that
/// fits with one LAUNCH, print and acknowledge the task's updates, tear down when it has ended.
/// </summary>
internal sealed partial class OneTaskFramework(MasterClient client, TaskRequest request, RunDisplay display)
{

    private static readonly HashSet<string> Terminal = new(StringComparer.Ordinal)
    {
        "TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_ERROR", "TASK_LOST", "TASK_DROPPED", "TASK_GONE", "TASK_GONE_BY_OPERATOR", "TASK_UNKNOWN",
    };

    private readonly string _taskId = $"run-{Guid.NewGuid().ToString("N")[..8]}";
    private string _frameworkId = "";
    private string _streamId = "";
    private bool _launched;
    private string _agent = "";
    private bool _saidWaiting;
    private OutputFollower? _output;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var subscribe = Write(json =>
        {
            json.WriteString("type", "SUBSCRIBE");
            json.WriteStartObject("subscribe");
            json.WriteStartObject("framework_info");
            json.WriteString("user", Environment.UserName);
            json.WriteString("name", "embedded-run");
            json.WriteStartArray("roles");
            json.WriteStringValue("*");
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        });
        var (events, streamId, response) = await client.SubscribeAsync(subscribe, cancellationToken).ConfigureAwait(false);
        using var _ = response;
        _streamId = streamId;
        try
        {
            while (true)
            {
                using var e = await events.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ?? throw new StreamLostException($"{client.Master} closed the event stream");
                var root = e.RootElement;
                switch (MesosJson.String(root, "type"))
                {
                    case "SUBSCRIBED":
                        _frameworkId = MesosJson.Id(root.GetProperty("subscribed"), "framework_id");
                        display.Out.WriteLine($"framework {_frameworkId} subscribed to {client.Master}; task {_taskId} needs {request.Describe()}");
                        if (!_launched) display.Show($"task {_taskId}: waiting for an offer");
                        break;
                    case "OFFERS":
                        await OnOffersAsync(root.GetProperty("offers"), cancellationToken).ConfigureAwait(false);
                        break;
                    case "UPDATE":
                        if (await OnUpdateAsync(root.GetProperty("update").GetProperty("status"), cancellationToken).ConfigureAwait(false) is { } exit)
                            return exit;
                        break;
                    case "ERROR":
                        await display.Error.WriteLineAsync($"embedded run: the master says: {MesosJson.String(root.GetProperty("error"), "message")}").ConfigureAwait(false);
                        return 1;
                }
            }
        }
        catch (StreamLostException)
        {
            _frameworkId = ""; // a framework whose stream ended is the master's to remove: nothing to tear down
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            display.Out.WriteLine($"task {_taskId}: stopping (the framework is torn down, which kills the task)");
            return 130;
        }
        finally
        {
            await TeardownAsync().ConfigureAwait(false);
        }
    }

    private async Task OnOffersAsync(JsonElement offers, CancellationToken cancellationToken)
    {
        var all = MesosJson.Items(offers, "offers").ToList();
        var chosen = _launched ? null : all.FirstOrDefault(Fits) is { ValueKind: JsonValueKind.Object } fit ? fit : (JsonElement?)null;
        if (chosen is { } offer)
        {
            _launched = true;
            var agent = MesosJson.Id(offer, "agent_id");
            display.Out.WriteLine($"task {_taskId}: launching on agent {agent} ({MesosJson.String(offer, "hostname")})");
            _agent = agent;
            display.Show($"task {_taskId}: STAGING on agent {agent}");
            await client.CallAsync(Call("ACCEPT", json =>
            {
                WriteOfferIds(json, [offer]);
                json.WriteStartArray("operations");
                json.WriteStartObject();
                json.WriteString("type", "LAUNCH");
                json.WriteStartObject("launch");
                json.WriteStartArray("task_infos");
                WriteTask(json, agent);
                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteEndArray();
            }), _streamId, cancellationToken).ConfigureAwait(false);
        }
        else if (!_launched && !_saidWaiting)
        {
            _saidWaiting = true;
            display.Out.WriteLine($"task {_taskId}: waiting for an offer with {request.Describe()} ({all.Count} offered did not fit)");
        }

        var rest = all.Where(o => chosen is not { } c || MesosJson.Id(o, "id") != MesosJson.Id(c, "id")).ToList();
        if (rest.Count == 0) return;
        // Once launched, nothing more is wanted: a long filter keeps those agents from being offered again.
        await client.CallAsync(Call("DECLINE", json =>
        {
            WriteOfferIds(json, rest);
            json.WriteStartObject("filters");
            json.WriteNumber("refuse_seconds", _launched ? 3600 : 1);
            json.WriteEndObject();
        }), _streamId, cancellationToken).ConfigureAwait(false);
    }

    private bool Fits(JsonElement offer)
    {
        var attributes = MesosJson.Attributes(offer);
        // A Docker agent advertises its engine's version; it runs containers, the others run processes.
        if (attributes.ContainsKey("docker_version") != (request.Image is not null)) return false;
        return MesosJson.Scalar(offer, "resources", "cpus") >= request.Cpus
            && MesosJson.Scalar(offer, "resources", "mem") >= request.Mem
            && request.Constraints.All(c => attributes.TryGetValue(c.Key, out var v) && v == c.Value);
    }

    /// <summary>The task's update: printed and acknowledged; the exit code once it has ended, else null.</summary>
    private async Task<int?> OnUpdateAsync(JsonElement status, CancellationToken cancellationToken)
    {
        if (MesosJson.Id(status, "task_id") != _taskId) return null;
        var state = MesosJson.String(status, "state");
        var reason = MesosJson.String(status, "reason");
        var message = MesosJson.String(status, "message");
        var terminal = Terminal.Contains(state);
        if (_output is null && state == "TASK_RUNNING")
        {
            _output = new OutputFollower(client, MesosJson.Id(status, "agent_id"), _frameworkId, _taskId, display.Out, display.Error);
            _output.Start(cancellationToken);
        }
        // What the task wrote last comes before how it ended.
        if (terminal && _output is not null) await _output.StopAsync(cancellationToken).ConfigureAwait(false);

        var line = new StringBuilder($"task {_taskId}: {state}");
        if (reason.Length > 0) line.Append(' ').Append(reason);
        if (message.Length > 0) line.Append(": ").Append(message);
        display.Out.WriteLine(line.ToString());
        if (terminal) display.Clear();
        else display.Show($"task {_taskId}: {state.Replace("TASK_", "", StringComparison.Ordinal)} on agent {_agent}");

        if (MesosJson.String(status, "uuid") is { Length: > 0 } uuid)
            await client.CallAsync(Call("ACKNOWLEDGE", json =>
            {
                WriteId(json, "agent_id", MesosJson.Id(status, "agent_id"));
                WriteId(json, "task_id", _taskId);
                json.WriteString("uuid", uuid);
            }), _streamId, cancellationToken).ConfigureAwait(false);

        if (!terminal) return null;
        if (state == "TASK_FINISHED") return 0;
        return ExitCode().Match(message) is { Success: true } m && int.TryParse(m.Groups[1].ValueSpan, out var code) && code != 0 ? code : 1;
    }

    private async Task TeardownAsync()
    {
        if (_frameworkId.Length == 0) return;
        try
        {
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await client.CallAsync(Call("TEARDOWN", null), _streamId, guard.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MasterException or OperationCanceledException)
        {
            await display.Error.WriteLineAsync($"embedded run: TEARDOWN failed ({e.Message}); the master removes the framework when its stream closes").ConfigureAwait(false);
        }
    }

    private void WriteTask(Utf8JsonWriter json, string agentId)
    {
        json.WriteStartObject();
        json.WriteString("name", request.Name);
        WriteId(json, "task_id", _taskId);
        WriteId(json, "agent_id", agentId);
        Embedded.Server.Mesos.MesosResources.Write(json, "resources", Embedded.Orchestration.Model.Resources.Of(cpus: request.Cpus, mem: request.Mem));
        // One word (or one quoted line) is a shell command, as `sh -c`; several are an argv, quoting kept, as `docker run`.
        if (request.Argv.Count > 0)
        {
            json.WriteStartObject("command");
            if (request.Argv.Count == 1 && request.Image is null) json.WriteString("value", request.Argv[0]);
            else
            {
                json.WriteBoolean("shell", false);
                if (request.Image is null) json.WriteString("value", request.Argv[0]);
                json.WriteStartArray("arguments");
                foreach (var a in request.Argv) json.WriteStringValue(a);
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        if (request.Image is { } image)
        {
            json.WriteStartObject("container");
            json.WriteString("type", "DOCKER");
            json.WriteStartObject("docker");
            json.WriteString("image", image);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private string Call(string type, Action<Utf8JsonWriter>? body) => Write(json =>
    {
        WriteId(json, "framework_id", _frameworkId);
        json.WriteString("type", type);
        if (body is null) return;
        json.WriteStartObject(type.ToLowerInvariant());
        body(json);
        json.WriteEndObject();
    });

    private static void WriteOfferIds(Utf8JsonWriter json, IEnumerable<JsonElement> offers)
    {
        json.WriteStartArray("offer_ids");
        foreach (var o in offers)
        {
            json.WriteStartObject();
            json.WriteString("value", MesosJson.Id(o, "id"));
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteId(Utf8JsonWriter json, string property, string value)
    {
        json.WriteStartObject(property);
        json.WriteString("value", value);
        json.WriteEndObject();
    }

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [GeneratedRegex(@"exited with code (-?\d+)")]
    private static partial Regex ExitCode();
}
