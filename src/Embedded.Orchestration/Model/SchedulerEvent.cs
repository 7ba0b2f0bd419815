using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Embedded.Orchestration.Model;

/// <summary>What the master tells a framework, in order, on its event stream.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(SubscribedEvent), "subscribed")]
[JsonDerivedType(typeof(OffersEvent), "offers")]
[JsonDerivedType(typeof(RescindEvent), "rescind")]
[JsonDerivedType(typeof(UpdateEvent), "update")]
[JsonDerivedType(typeof(MessageEvent), "message")]
[JsonDerivedType(typeof(FailureEvent), "failure")]
[JsonDerivedType(typeof(ErrorEvent), "error")]
[JsonDerivedType(typeof(HeartbeatEvent), "heartbeat")]
public abstract record SchedulerEvent;

public sealed record SubscribedEvent(string FrameworkId, TimeSpan HeartbeatInterval) : SchedulerEvent;
public sealed record OffersEvent(ImmutableArray<Offer> Offers) : SchedulerEvent;
public sealed record RescindEvent(string OfferId) : SchedulerEvent;
public sealed record UpdateEvent(StatusUpdate Status) : SchedulerEvent;
public sealed record MessageEvent(string AgentId, string TaskId, ReadOnlyMemory<byte> Data) : SchedulerEvent;
public sealed record FailureEvent(string AgentId, string? TaskId, int? ExitStatus) : SchedulerEvent;
public sealed record ErrorEvent(string Message) : SchedulerEvent;
public sealed record HeartbeatEvent : SchedulerEvent;
