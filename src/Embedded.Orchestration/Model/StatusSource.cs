namespace Embedded.Orchestration.Model;

/// <summary>Which component produced a status, as in Mesos.</summary>
public enum StatusSource { Master, Agent, Executor }
