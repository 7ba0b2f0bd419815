using System.Collections.Immutable;
using System.Diagnostics;
using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Actors;
using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Diagnostics;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Master;

/// <summary>The master's side of agents: admission, re-registration, heartbeats, loss and removal, and their offers.</summary>
internal sealed partial class MasterActor
{
    /// <summary>How many agents are reachable now, kept as they change so that a registration never counts them all.</summary>
    private int _reachableAgents;

    /// <summary>How many agents of the previous master's registry have not come back (nor been removed) yet.</summary>
    private int _recoveredAgents;

    private void OnRegisterAgent(RegisterAgent m)
    {
        if (!TaskValidation.IsValidId(m.AgentId))
        {
            _transport.Send(m.From, new RegistrationRefused($"agent id '{m.AgentId}' must be letters, digits, '.', '_' or '-'"));
            return;
        }
        if (m.Reregister && !_agents.ContainsKey(m.AgentId) && _removedAgents.Contains(m.AgentId))
        {
            _transport.Send(m.From, new RegisterAnew($"the master removed agent {m.AgentId} after it stayed away longer than {_options.AgentReregistrationTimeout}"));
            return;
        }
        _removedAgents.Remove(m.AgentId);
        if (_agents.TryGetValue(m.AgentId, out var existing))
        {
            if (!m.Reregister && existing.Reachable)
            {
                _transport.Send(m.From, new RegistrationRefused($"an agent named '{m.AgentId}' is already registered"));
                return;
            }
            if (!m.Reregister)
                RemoveAgent(existing, "a new agent registered under its name");
            else
            {
                Reregister(existing, m);
                return;
            }
        }
        var agent = new AgentRecord(m.AgentId, m.Hostname, m.Resources, m.Attributes, m.From) { LastHeartbeat = _time.GetUtcNow(), TaskKinds = m.TaskKinds };
        _agents.Add(agent.Id, agent);
        _reachableAgents++;
        _registry.AdmitAgent(agent.Id, agent.Hostname, agent.Total, agent.Attributes, agent.TaskKinds);
        _allocator.AddAgent(agent.Id, agent.Total);
        foreach (var reported in m.Tasks) AdoptReportedTask(agent, reported);
        LogAgentRegistered(agent.Id, agent.Total.ToString());
        if (Watched) Publish(new AgentAdded(Snapshot(agent)));
        Send(agent, new AgentRegistered(agent.Id, _options.AgentHeartbeatInterval));
        CompleteAgentWaiters();
        RequestAllocation();
    }

    /// <summary>An agent that was unreachable (or that the master lost track of) comes back with the tasks it runs.</summary>
    private void Reregister(AgentRecord agent, RegisterAgent m)
    {
        agent.Address = m.From;
        agent.TaskKinds = m.TaskKinds;
        if (!agent.Reachable) _reachableAgents++;
        agent.Reachable = true;
        if (agent.Recovered) _recoveredAgents--;
        agent.Recovered = false;
        agent.LastHeartbeat = _time.GetUtcNow();
        _allocator.SetAgentActive(agent.Id, true);
        if (agent.Tasks.Count == 0)
        {
            // The common case after a master failover: a recovered agent, of whose tasks this master knows nothing yet.
            foreach (var report in m.Tasks) AdoptReportedTask(agent, report);
            CompleteReregistration(agent, m);
            return;
        }
        var reported = m.Tasks.ToDictionary(t => new TaskKey(t.FrameworkId, t.Task.TaskId));
        foreach (var key in agent.Tasks.ToList())
        {
            var task = _tasks[key];
            if (reported.Remove(key, out var report))
            {
                // An ended task's own update (with its exit code) is on its way from the agent, which re-sends it now.
                if (task.State == report.State || report.State.IsTerminal()) continue;
                var told = task.State == TaskState.Unreachable;
                task.State = report.State;
                // Only what the master itself said must be corrected; the agent's own updates follow reliably.
                if (told) Notify(task, report.State, TaskReason.AgentReregistered, $"agent {agent.Id} registered again and reports the task {report.State}");
            }
            else
            {
                var framework = _frameworks.GetValueOrDefault(key.FrameworkId);
                var state = framework?.Info.Tell(TaskState.Gone) ?? TaskState.Gone;
                EndTask(task, state, TaskReason.AgentReregistered, $"agent {agent.Id} registered again without this task");
            }
        }
        // Tasks the master had already given up on: LOST to frameworks that are not partition aware.
        foreach (var report in reported.Values) AdoptReportedTask(agent, report);
        CompleteReregistration(agent, m);
    }

    private void CompleteReregistration(AgentRecord agent, RegisterAgent m)
    {
        LogAgentReregistered(agent.Id, m.Tasks.Length);
        if (Watched) Publish(new AgentUpdated(Snapshot(agent)));
        Send(agent, new AgentRegistered(agent.Id, _options.AgentHeartbeatInterval));
        CompleteAgentWaiters();
        RequestAllocation();
    }

    /// <summary>A task an agent reports that the master has no active record of: keep it if its framework may, else kill it.</summary>
    private void AdoptReportedTask(AgentRecord agent, ReportedTask report)
    {
        var key = new TaskKey(report.FrameworkId, report.Task.TaskId);
        if (report.State.IsTerminal())
        {
            // It ended while this master did not know it (a restarted master): remember it as ended; its update follows from the agent.
            if (_frameworks.ContainsKey(report.FrameworkId) && !_tasks.IsCompleted(key) && !_tasks.IsActive(key))
            {
                var ended = new TaskRecord(report.FrameworkId, agent.Id, report.Task) { State = report.State };
                _tasks.Add(ended);
                _tasks.Complete(ended);
            }
            return;
        }
        if (!_frameworks.TryGetValue(report.FrameworkId, out var framework) || _tasks.IsCompleted(key) || _tasks.IsActive(key))
        {
            Send(agent, new KillTask(report.FrameworkId, report.Task.TaskId, TimeSpan.Zero));
            return;
        }
        var task = new TaskRecord(framework.Id, agent.Id, report.Task) { State = report.State };
        AddTask(task, agent, framework);
        _allocator.AddUsed(framework.Id, agent.Id, task.Info.Resources);
    }

    private void OnAgentHeartbeat(AgentHeartbeat m)
    {
        if (_agents.TryGetValue(m.AgentId, out var agent) && agent.Reachable && agent.Address == m.From)
            agent.LastHeartbeat = _time.GetUtcNow();
        else if (agent is not null)
            _transport.Send(m.From, new ReregisterRequested(agent.Reachable
                ? $"the master does not know this incarnation of agent {m.AgentId} as connected"
                : $"the master marked agent {m.AgentId} unreachable"));
        else if (_removedAgents.Contains(m.AgentId))
            _transport.Send(m.From, new RegisterAnew($"the master removed agent {m.AgentId} after it stayed away longer than {_options.AgentReregistrationTimeout}"));
    }

    private void OnCheckAgents()
    {
        var now = _time.GetUtcNow();
        var limit = _options.AgentHeartbeatInterval * _options.MaxMissedHeartbeats;
        foreach (var agent in _agents.Values.Where(a => a.Reachable && now - a.LastHeartbeat >= limit).ToList())
            MarkUnreachable(agent, $"agent {agent.Id} missed {_options.MaxMissedHeartbeats} heartbeats");
        foreach (var agent in _agents.Values.Where(a => !a.Reachable && now - a.UnreachableSince >= _options.AgentReregistrationTimeout).ToList())
        {
            RemoveAgent(agent, $"agent {agent.Id} did not register again within {_options.AgentReregistrationTimeout}");
            _removedAgents.Add(agent.Id);
        }
    }

    private void MarkUnreachable(AgentRecord agent, string why)
    {
        LogAgentUnreachable(agent.Id, why);
        _outputReads.Abandon(agent.Id);
        if (agent.Reachable) _reachableAgents--;
        agent.Reachable = false;
        agent.UnreachableSince = _time.GetUtcNow();
        if (Watched) Publish(new AgentUpdated(Snapshot(agent)));
        AnnounceAgentFailure(agent.Id);
        _allocator.SetAgentActive(agent.Id, false);
        RescindOffersOn(agent, TaskReason.AgentRemoved);
        foreach (var key in agent.Tasks.ToList())
        {
            var task = _tasks[key];
            if (StateFor(key.FrameworkId, TaskState.Unreachable) == TaskState.Unreachable)
            {
                task.State = TaskState.Unreachable;
                Notify(task, TaskState.Unreachable, TaskReason.AgentRemoved, why);
            }
            else
                EndTask(task, TaskState.Lost, TaskReason.AgentRemoved, why);
        }
    }

    private void OnAgentDisconnected(AgentDisconnected m)
    {
        if (!_agents.TryGetValue(m.AgentId, out var agent) || agent.Address != m.From || !agent.Reachable) return;
        LogAgentDisconnected(agent.Id);
        agent.Address = null;
        _outputReads.Abandon(agent.Id);
        _allocator.SetAgentActive(agent.Id, false);
        RescindOffersOn(agent, TaskReason.AgentDisconnected);
    }

    private void OnAgentStopping(AgentStopping m)
    {
        if (_agents.TryGetValue(m.AgentId, out var agent)) RemoveAgent(agent, $"agent {m.AgentId} shut down");
    }

    private void RemoveAgent(AgentRecord agent, string why)
    {
        LogAgentRemoved(agent.Id, why);
        _outputReads.Abandon(agent.Id);
        RescindOffersOn(agent, TaskReason.AgentRemoved);
        foreach (var key in agent.Tasks.ToList())
        {
            var task = _tasks[key];
            EndTask(task, StateFor(key.FrameworkId, TaskState.Gone), TaskReason.AgentRemoved, why);
        }
        _allocator.RemoveAgent(agent.Id);
        if (_agents.Remove(agent.Id))
        {
            if (agent.Reachable) _reachableAgents--;
            if (agent.Recovered) _recoveredAgents--;
        }
        if (Watched) Publish(new AgentRemoved(agent.Id));
        if (agent.Reachable) AnnounceAgentFailure(agent.Id);
        _registry.RemoveAgent(agent.Id);
    }

    /// <summary>Mesos's FAILURE event for a lost agent (its "slave lost"), to every connected framework.</summary>
    private void AnnounceAgentFailure(string agentId)
    {
        foreach (var framework in _frameworks.Values) Send(framework, new FailureEvent(agentId, null, null));
    }

    private void RescindOffersOn(AgentRecord agent, TaskReason reason)
    {
        foreach (var offerId in agent.Offers.ToList()) RescindOffer(_offers[offerId], reason);
    }

    private void RescindOffer(Offer offer, TaskReason reason)
    {
        RemoveOffer(offer, rescinded: reason);
        _allocator.OfferClosed(offer.FrameworkId, offer.AgentId, offer.Resources, null);
        Send(_frameworks.GetValueOrDefault(offer.FrameworkId), new RescindEvent(offer.OfferId));
    }

    /// <summary>Closes an offer: used or declined, or with <paramref name="rescinded"/>, taken back for that reason.</summary>
    private void RemoveOffer(Offer offer, TaskReason? rescinded = null)
    {
        if (rescinded is { } reason) _offers.Rescind(offer.OfferId, reason);
        else _offers.Remove(offer.OfferId);
        _agents.GetValueOrDefault(offer.AgentId)?.Offers.Remove(offer.OfferId);
        _frameworks.GetValueOrDefault(offer.FrameworkId)?.Offers.Remove(offer.OfferId);
    }

    private void OnWaitForAgents(WaitForAgents m)
    {
        _agentWaiters.Add(m);
        CompleteAgentWaiters();
    }

    private void CompleteAgentWaiters()
    {
        if (_agentWaiters.Count == 0) return;
        var reachable = _reachableAgents;
        _agentWaiters.RemoveAll(w => w.Count <= reachable && w.Reply.TrySetResult() | true);
    }
}
