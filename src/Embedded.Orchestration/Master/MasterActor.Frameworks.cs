using System.Collections.Immutable;
using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Diagnostics;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Master;

/// <summary>The master's side of the scheduler API: subscribe and the calls of a subscribed framework.</summary>
internal sealed partial class MasterActor
{
    private void OnSubscribe(Subscribe m)
    {
        var info = m.Info;
        var error = ValidateFramework(info);
        if (error is not null)
        {
            m.Reply.TrySetException(new ArgumentException(error));
            _transport.Close(m.Connection);
            return;
        }
        if (info.FrameworkId is { } id && _frameworks.TryGetValue(id, out var existing))
        {
            if (existing.Info.Role != info.Role)
            {
                m.Reply.TrySetException(new ArgumentException($"framework {id} has role '{existing.Info.Role}' and cannot change it to '{info.Role}' on failover"));
                _transport.Close(m.Connection);
                return;
            }
            // Failover: the new connection replaces the old one, which is closed.
            if (existing.Connection is { } old && old != m.Connection)
                _transport.Close(old, new InvalidOperationException($"framework {id} subscribed again on another connection"));
            existing.Connection = m.Connection;
            existing.Info = info;
            _registry.AddFramework(info);
            existing.Disconnections++;
            _allocator.SetFrameworkActive(id, true);
            Send(existing, new SubscribedEvent(id, _options.FrameworkHeartbeatInterval));
            foreach (var agent in _agents.Values.Where(a => a.Reachable)) Send(agent, new FrameworkResubscribed(id));
            LogFrameworkSubscribed(id, info.Name, info.Role, true);
            if (Watched) Publish(new FrameworkUpdated(Snapshot(existing)));
            m.Reply.TrySetResult(id);
            RequestAllocation();
            return;
        }
        if (info.FrameworkId is { } torn && _removedFrameworks.Contains(torn))
        {
            m.Reply.TrySetException(new InvalidOperationException($"framework {torn} was torn down and cannot subscribe again; subscribe without an id"));
            _transport.Close(m.Connection);
            return;
        }
        var frameworkId = info.FrameworkId ?? $"{_masterId}-{++_frameworkSequence:D4}";
        var framework = new FrameworkRecord(frameworkId, info with { FrameworkId = frameworkId }, m.Connection);
        _frameworks.Add(frameworkId, framework);
        _registry.AddFramework(framework.Info);
        _allocator.AddFramework(frameworkId, info.Role);
        Send(framework, new SubscribedEvent(frameworkId, _options.FrameworkHeartbeatInterval));
        LogFrameworkSubscribed(frameworkId, info.Name, info.Role, false);
        if (Watched) Publish(new FrameworkAdded(Snapshot(framework)));
        m.Reply.TrySetResult(frameworkId);
        RequestAllocation();
    }

    private static string? ValidateFramework(FrameworkInfo info)
    {
        if (info is null) return "framework info is missing";
        if (string.IsNullOrWhiteSpace(info.Name)) return "a framework needs a name";
        if (info.Name.Length > 200) return "a framework name is at most 200 characters";
        if (!IsValidRole(info.Role)) return $"role '{info.Role}' must be '*' or letters, digits, '.', '_', '-' and '/' (not starting with '.' or '-')";
        if (info.FailoverTimeout < TimeSpan.Zero) return "the failover timeout cannot be negative";
        if (info.FrameworkId is { } id && !TaskValidation.IsValidId(id)) return $"framework id '{id}' is not a valid id";
        return null;
    }

    private static bool IsValidRole(string? role) =>
        role == "*" || (!string.IsNullOrEmpty(role) && role.Length <= 128 && role[0] is not ('.' or '-' or '/')
            && role.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/'));

    private void OnFrameworkCall(FrameworkCall call)
    {
        if (!_frameworks.TryGetValue(call.FrameworkId, out var framework))
        {
            call.Reply.TrySetException(new InvalidOperationException(_removedFrameworks.Contains(call.FrameworkId)
                ? $"framework {call.FrameworkId} was torn down"
                : $"framework {call.FrameworkId} is not subscribed"));
            return;
        }
        try
        {
            Dispatch(framework, call);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            call.Reply.TrySetException(e);
            return;
        }
        call.Reply.TrySetResult();
    }

    private void Dispatch(FrameworkRecord framework, FrameworkCall call)
    {
        switch (call)
        {
            case Accept m: OnAccept(framework, m); break;
            case Decline m: OnDecline(framework, m.OfferIds, m.Filters ?? Filters.Default); break;
            case Revive: _allocator.Revive(framework.Id); RequestAllocation(); break;
            case Suppress: _allocator.Suppress(framework.Id); break;
            case Kill m: OnKill(framework, m); break;
            case Acknowledge m: OnAcknowledge(framework, m); break;
            case Reconcile m: OnReconcile(framework, m.TaskIds); break;
            case SendMessage m:
                if (!_agents.TryGetValue(m.AgentId, out var agent) || !agent.Reachable)
                    throw new InvalidOperationException($"agent {m.AgentId} is not reachable; the message was not sent");
                Send(agent, new FrameworkMessage(framework.Id, m.TaskId, m.Data));
                break;
            case Teardown: RemoveFramework(framework, "torn down by the framework"); break;
            default: throw new InvalidOperationException($"unknown call {call.GetType().Name}");
        }
    }

    private void OnDecline(FrameworkRecord framework, ImmutableArray<string> offerIds, Filters filters)
    {
        foreach (var offerId in offerIds)
        {
            if (!_offers.TryGet(offerId, out var offer) || offer.FrameworkId != framework.Id) continue;
            RemoveOffer(offer);
            Telemetry.OffersDeclined.Add(1);
            _allocator.OfferClosed(framework.Id, offer.AgentId, offer.Resources, filters);
        }
    }

    private void OnKill(FrameworkRecord framework, Kill m)
    {
        if (string.IsNullOrEmpty(m.TaskId)) throw new ArgumentException("kill names no task");
        if (m.GracePeriod is { } grace && grace < TimeSpan.Zero && grace != Timeout.InfiniteTimeSpan)
            throw new ArgumentException($"a kill grace period cannot be negative ({grace})");
        var key = new TaskKey(framework.Id, m.TaskId);
        if (_tasks.TryGetActive(key, out var task))
        {
            var agent = _agents.GetValueOrDefault(task.AgentId);
            if (agent is { Reachable: true }) Send(agent, new KillTask(framework.Id, m.TaskId, m.GracePeriod));
            // An unreachable agent cannot be told; as in Mesos the framework retries the kill later.
            return;
        }
        if (_tasks.IsCompleted(key)) return;
        Send(framework, new UpdateEvent(MasterStatus(m.TaskId, null,
            framework.Info.Tell(TaskState.Unknown), TaskReason.Reconciliation,
            $"kill of task {m.TaskId}, which the master does not know")));
    }

    private void OnAcknowledge(FrameworkRecord framework, Acknowledge m)
    {
        if (_agents.TryGetValue(m.AgentId, out var agent) && agent.Reachable)
            Send(agent, new AcknowledgeUpdate(framework.Id, m.TaskId, m.Uuid));
    }

    /// <summary>Explicit (named tasks) or implicit (no names: every active task) reconciliation, as in Mesos.</summary>
    private void OnReconcile(FrameworkRecord framework, ImmutableArray<string> taskIds)
    {
        if (taskIds.IsDefaultOrEmpty)
        {
            foreach (var key in framework.Tasks) SendReconciled(framework, _tasks[key]);
            return;
        }
        foreach (var taskId in taskIds)
        {
            var key = new TaskKey(framework.Id, taskId);
            if (_tasks.TryFind(key, out var task))
                SendReconciled(framework, task);
            else if (_recoveredAgents > 0)
                continue; // As in Mesos: until every agent of the previous master is back or removed, the master cannot tell.
            else
                Send(framework, new UpdateEvent(MasterStatus(taskId, null,
                    framework.Info.Tell(TaskState.Unknown), TaskReason.Reconciliation,
                    $"the master does not know task {taskId}")));
        }
    }

    private void SendReconciled(FrameworkRecord framework, TaskRecord task)
    {
        var status = MasterStatus(task.Info.TaskId, task.AgentId, task.State, TaskReason.Reconciliation,
            task.LastStatus?.Message ?? "") with { ExitCode = task.LastStatus?.ExitCode };
        Send(framework, new UpdateEvent(status));
    }

    private void OnDisconnect(Disconnect m)
    {
        _transport.Close(m.Connection);
        if (!_frameworks.TryGetValue(m.FrameworkId, out var framework) || framework.Connection != m.Connection) return;
        framework.Connection = null;
        framework.Disconnections++;
        _allocator.SetFrameworkActive(framework.Id, false);
        foreach (var offerId in framework.Offers.ToList()) RescindOffer(_offers[offerId], TaskReason.FrameworkRemoved);
        var timeout = framework.Info.FailoverTimeout;
        if (timeout <= TimeSpan.Zero)
        {
            RemoveFramework(framework, "it disconnected and has no failover timeout");
            return;
        }
        LogFrameworkDisconnected(framework.Id, timeout);
        if (Watched) Publish(new FrameworkUpdated(Snapshot(framework)));
        StartFailoverTimer(framework, timeout);
    }

    private void StartFailoverTimer(FrameworkRecord framework, TimeSpan timeout)
    {
        var disconnection = framework.Disconnections;
        ITimer? timer = null;
        timer = _time.CreateTimer(_ =>
        {
            Post(new FailoverExpired(framework.Id, disconnection));
            timer?.Dispose();
        }, null, timeout, Timeout.InfiniteTimeSpan);
    }

    private void OnFailoverExpired(FailoverExpired m)
    {
        if (_frameworks.TryGetValue(m.FrameworkId, out var framework) && !framework.Connected && framework.Disconnections == m.Disconnection)
            RemoveFramework(framework, $"its failover timeout of {framework.Info.FailoverTimeout} passed");
    }

    /// <summary>Kills the framework's tasks on every agent and forgets it.</summary>
    private void RemoveFramework(FrameworkRecord framework, string why)
    {
        LogFrameworkRemoved(framework.Id, why);
        foreach (var offerId in framework.Offers.ToList())
        {
            RemoveOffer(_offers[offerId], rescinded: TaskReason.FrameworkRemoved);
        }
        var agents = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in framework.Tasks.ToList())
        {
            var task = _tasks[key];
            agents.Add(task.AgentId);
            task.State = TaskState.Killed;
            task.LastStatus = MasterStatus(task.Info.TaskId, task.AgentId, TaskState.Killed, TaskReason.FrameworkRemoved, $"framework {why}");
            CompleteTask(task);
        }
        foreach (var agentId in agents)
            if (_agents.TryGetValue(agentId, out var agent)) Send(agent, new ShutdownFramework(framework.Id));
        _allocator.RemoveFramework(framework.Id);
        _frameworks.Remove(framework.Id);
        _removedFrameworks.Add(framework.Id);
        if (Watched) Publish(new FrameworkRemoved(framework.Id));
        _registry.RemoveFramework(framework.Id);
        if (framework.Connection is { } connection) _transport.Close(connection);
        RequestAllocation();
    }
}
