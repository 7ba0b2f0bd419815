using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Diagnostics;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Master;

/// <summary>
/// Accepting offers: every launch that cannot be honoured becomes a status with a reason, as in
/// Mesos, and the rest of the call goes on.
/// </summary>
internal sealed partial class MasterActor
{
    private void OnAccept(FrameworkRecord framework, Accept m)
    {
        var tasks = m.Operations.OfType<LaunchOperation>().SelectMany(o => o.Tasks.IsDefault ? [] : o.Tasks).ToList();
        var filters = m.Filters ?? Filters.Default;
        var offers = new List<Offer>();
        string? offerError = null;
        var offerReason = TaskReason.InvalidOffers;
        if (m.OfferIds.IsDefaultOrEmpty) offerError = "the accept call names no offers";
        else
            foreach (var offerId in m.OfferIds.Distinct())
            {
                if (_offers.TryGet(offerId, out var offer) && offer.FrameworkId == framework.Id)
                    offers.Add(offer);
                else if (_offers.WasRescinded(offerId ?? "", out var why))
                {
                    offerError ??= why == TaskReason.AgentRemoved
                        ? $"offer {offerId} was rescinded: its agent was removed or is unreachable"
                        : $"offer {offerId} was rescinded";
                    if (why == TaskReason.AgentRemoved) offerReason = TaskReason.AgentRemoved;
                }
                else
                    offerError ??= $"offer {offerId} is not a valid offer for framework {framework.Id} (unknown, already used or declined)";
            }
        if (offerError is null && offers.Select(o => o.AgentId).Distinct().Count() > 1)
            offerError = "the offers of one accept call must all be for the same agent";

        // Valid offers are closed either way; what is not launched goes back to the allocator.
        foreach (var offer in offers) RemoveOffer(offer);
        var remaining = offers.Aggregate(Resources.Empty, (sum, o) => sum.Add(o.Resources));
        var agentId = offers.FirstOrDefault()?.AgentId;
        var agent = agentId is null ? null : _agents.GetValueOrDefault(agentId);
        if (offerError is null && agent is not { Reachable: true })
        {
            offerError = $"agent {agentId} is not reachable";
            offerReason = TaskReason.AgentRemoved;
        }

        if (offerError is not null)
        {
            foreach (var task in tasks.Where(t => t is not null))
                Refuse(framework, task.TaskId ?? "", agentId, framework.Info.Tell(TaskState.Dropped), offerReason, offerError);
            foreach (var offer in offers) _allocator.OfferClosed(framework.Id, offer.AgentId, offer.Resources, filters);
            RequestAllocation();
            return;
        }

        var target = agent!;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            if (task is null) continue;
            var taskId = task.TaskId ?? "";
            var launch = string.IsNullOrEmpty(task.AgentId) ? task with { AgentId = target.Id } : task;
            var invalid = TaskValidation.Validate(launch)
                ?? (launch.AgentId != target.Id ? $"task {taskId} names agent {launch.AgentId} but the offers are for agent {target.Id}" : null)
                ?? (!seen.Add(taskId) || _tasks.IsActive(new TaskKey(framework.Id, taskId)) ? $"task id {taskId} is already in use" : null)
                ?? (!remaining.Contains(launch.Resources) ? $"task {taskId} asks for {launch.Resources}, which is more than is left in the offers ({remaining})" : null);
            if (invalid is not null)
            {
                Refuse(framework, taskId, target.Id, TaskState.Error, TaskReason.TaskInvalid, invalid);
                continue;
            }
            remaining = remaining.Subtract(launch.Resources);
            var record = new TaskRecord(framework.Id, target.Id, launch);
            AddTask(record, target, framework);
            Telemetry.TasksLaunched.Add(1);
            LogTaskLaunching(launch.TaskId, framework.Id, target.Id, launch.Resources.ToString());
            Send(target, new RunTask(framework.Id, launch, framework.Info.Checkpoint));
        }
        _allocator.OfferClosed(framework.Id, target.Id, remaining, filters);
        if (!remaining.IsEmpty) RequestAllocation();
    }

    private void Refuse(FrameworkRecord framework, string taskId, string? agentId, TaskState state, TaskReason reason, string message)
    {
        Telemetry.TasksRefused.Add(1);
        LogTaskRefused(taskId, framework.Id, state, reason, message);
        Send(framework, new UpdateEvent(MasterStatus(taskId, agentId, state, reason, message)));
    }
}
