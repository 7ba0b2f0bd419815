namespace Embedded.Orchestration.Model;

/// <summary>Which component produced a status, as in Mesos.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<StatusSource>))]
public enum StatusSource { Master, Agent, Executor }
