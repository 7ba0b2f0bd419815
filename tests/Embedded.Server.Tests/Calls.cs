namespace Embedded.Server.Tests;

/// <summary>Scheduler calls as a Mesos HTTP client writes them.</summary>
internal static class Calls
{
    public static string Subscribe(string name, string extra = "") =>
        $$$$"""{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"{{{{name}}}}","roles":["*"]{{{{extra}}}}}}}""";

    public static string Of(string frameworkId, string type, string? body = null) =>
        body is null
            ? $$$$"""{"framework_id":{"value":"{{{{frameworkId}}}}"},"type":"{{{{type}}}}"}"""
            : $$$$"""{"framework_id":{"value":"{{{{frameworkId}}}}"},"type":"{{{{type}}}}","{{{{type.ToLowerInvariant()}}}}":{{{{body}}}}}""";

    public static string ShellTask(string taskId, string agentId, string command) =>
        $$$$"""{"name":"{{{{taskId}}}}","task_id":{"value":"{{{{taskId}}}}"},"agent_id":{"value":"{{{{agentId}}}}"},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.1}},{"name":"mem","type":"SCALAR","scalar":{"value":32}}],"command":{"value":"{{{{command}}}}"}}""";

    public static string Launch(string frameworkId, string offerId, params string[] tasks) =>
        Of(frameworkId, "ACCEPT", $$$$"""{"offer_ids":[{"value":"{{{{offerId}}}}"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{{{{string.Join(",", tasks)}}}}]}}],"filters":{"refuse_seconds":0}}""");

    public static string Acknowledge(string frameworkId, string agentId, string taskId, string uuid) =>
        Of(frameworkId, "ACKNOWLEDGE", $$$$"""{"agent_id":{"value":"{{{{agentId}}}}"},"task_id":{"value":"{{{{taskId}}}}"},"uuid":"{{{{uuid}}}}"}""");
}
