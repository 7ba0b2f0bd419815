// The Embedded dashboard: draws /api/v1/dashboard/state and keeps it live from the server-sent events
// of /api/v1/dashboard/events. No framework; every text goes in through textContent, never as HTML.
'use strict';
(() => {
  const TERMINAL = new Set(['FINISHED', 'FAILED', 'KILLED', 'ERROR', 'LOST', 'DROPPED', 'GONE', 'GONE_BY_OPERATOR', 'UNKNOWN']);
  const STATES = ['STAGING', 'STARTING', 'RUNNING', 'KILLING', 'FINISHED', 'FAILED', 'KILLED', 'ERROR', 'LOST', 'DROPPED', 'UNREACHABLE', 'GONE', 'GONE_BY_OPERATOR', 'UNKNOWN'];
  const MAX_EVENTS = 200;
  const $ = (selector) => document.querySelector(selector);

  let state = null;
  const history = new Map(); // "framework/task" -> statuses seen, oldest first
  let refreshTimer = 0;
  let view = null; // the task shown: { frameworkId, taskId }
  let outputTimer = 0;
  let outputDone = false;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') node.className = value;
      else if (name === 'width') node.style.width = value;
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? '' : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const key = (frameworkId, taskId) => `${frameworkId}/${taskId}`;
  const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '');
  const stateBadge = (s) => el('span', { class: 'state', 'data-state': s }, s);

  function amount(name, value) {
    if (name === 'mem' || name === 'disk') return value >= 1024 ? `${(value / 1024).toFixed(1)} GiB` : `${Math.round(value)} MiB`;
    if (name === 'cpus' || name === 'gpus') return String(Math.round(value * 100) / 100);
    return String(value);
  }

  function resourcesText(resources) {
    const parts = Object.entries(resources || {}).map(([name, value]) => `${name} ${amount(name, value)}`);
    return parts.length ? parts.join(', ') : '-';
  }

  function duration(ms) {
    if (!(ms >= 0)) return '-';
    const s = Math.floor(ms / 1000);
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
    return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  }

  function remember(frameworkId, status) {
    if (!status) return;
    const k = key(frameworkId, status.taskId);
    const seen = history.get(k) || [];
    if (!seen.some((s) => s.state === status.state && s.timestamp === status.timestamp)) {
      seen.push(status);
      seen.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
      history.set(k, seen);
    }
  }

  // From the master's start time (its first RUNNING status) to the task's end, or now.
  function runTime(task) {
    const start = task.startedAt || (task.state === 'RUNNING' && task.status ? task.status.timestamp : null);
    if (!start) return '-';
    const end = TERMINAL.has(task.state) && task.status ? Date.parse(task.status.timestamp) : Date.now();
    return duration(end - Date.parse(start));
  }

  function setState(next) {
    state = next;
    for (const task of state.tasks) remember(task.frameworkId, task.status);
    render();
  }

  function scheduleRefresh() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(async () => {
      refreshTimer = 0;
      try {
        const response = await fetch('/api/v1/dashboard/state', { cache: 'no-store' });
        if (response.ok) setState(await response.json());
      } catch (e) {
        // The stream's reconnection says the master is away; the next event refreshes again.
      }
    }, 250);
  }

  // ---- drawing --------------------------------------------------------------

  function render() {
    if (!state) return;
    const active = state.tasks.filter((t) => !TERMINAL.has(t.state)).length;
    $('#summary').textContent = `${state.agents.length} agents · ${state.frameworks.length} frameworks · ${active} active tasks · ${state.tasks.length - active} completed`;
    renderAgents();
    renderRoles();
    renderFrameworks();
    renderServices();
    renderTasks();
    renderTaskView();
  }

  function bar(name, used, total) {
    const pct = total > 0 ? Math.min(100, (used / total) * 100) : 0;
    return el('div', { class: 'res', 'data-resource': name },
      el('span', { class: 'label' }, name),
      el('div', { class: 'bar', title: `${Math.round(pct)}% used` }, el('div', { class: pct >= 90 ? 'fill high' : 'fill', width: `${pct}%` })),
      el('span', { class: 'text' }, `${amount(name, used)} / ${amount(name, total)}`));
  }

  function renderAgents() {
    const cards = state.agents.map((agent) => {
      const attributes = Object.entries(agent.attributes).filter(([name]) => name !== 'os' && name !== 'arch');
      const names = ['cpus', 'mem', 'disk', 'gpus', 'ports'].filter((n) => agent.total[n] > 0)
        .concat(Object.keys(agent.total).filter((n) => !['cpus', 'mem', 'disk', 'gpus', 'ports'].includes(n)));
      const free = names.map((n) => `${n} ${amount(n, Math.max(0, agent.total[n] - (agent.used[n] || 0)))}`).join(', ');
      return el('div', { class: agent.reachable ? 'card' : 'card unreachable', 'data-agent': agent.id },
        el('h3', null, el('span', null, agent.id),
          el('span', { class: agent.reachable ? 'badge ok' : 'badge bad', 'data-reachable': String(agent.reachable) }, agent.reachable ? 'reachable' : 'unreachable')),
        el('div', { class: 'facts' }, `${agent.hostname} · ${agent.attributes.os || '?'} / ${agent.attributes.arch || '?'} · ${agent.activeTasks} tasks · runs ${agent.taskKinds.join(', ') || '-'}`),
        attributes.length ? el('div', null, attributes.map(([n, v]) => el('span', { class: 'chip' }, `${n}=${v}`))) : null,
        names.map((n) => bar(n, agent.used[n] || 0, agent.total[n])),
        el('div', { class: 'facts' }, `free: ${free}`));
    });
    $('#agents').replaceChildren(...(cards.length ? cards : [el('p', { class: 'muted' }, 'No agents registered.')]));
  }

  function renderRoles() {
    const rows = state.roles.map((role) => el('tr', { 'data-role': role.role },
      el('td', null, role.role),
      el('td', { class: 'num' }, role.weight),
      el('td', null, el('div', { class: 'res' }, el('span', { class: 'label' }, ''),
        el('div', { class: 'bar' }, el('div', { class: 'fill', width: `${Math.min(100, role.share * 100)}%` })),
        el('span', { class: 'text' }, `${(role.share * 100).toFixed(1)}%`))),
      el('td', null, resourcesText(role.allocated)),
      el('td', null, role.guarantee ? `${resourcesText(role.guarantee)} / ${role.limit ? resourcesText(role.limit) : 'none'}` : '-'),
      el('td', { class: 'num' }, role.frameworks)));
    $('#roles tbody').replaceChildren(...rows);
  }

  function renderFrameworks() {
    const rows = state.frameworks.map((f) => el('tr', { 'data-framework': f.id },
      el('td', null, f.name),
      el('td', null, f.id),
      el('td', null, f.role),
      el('td', null, el('span', { class: f.connected ? 'badge ok' : 'badge bad' }, f.connected ? 'yes' : 'no'), f.suppressed ? ' suppressed' : ''),
      el('td', { class: 'num' }, f.activeTasks),
      el('td', { class: 'num' }, f.offers)));
    $('#frameworks tbody').replaceChildren(...rows);
  }

  // A rolling update: "updating v1 → v2: 3 of 5 new healthy".
  function updateText(service) {
    const u = service.update;
    return `updating ${u.from.map((v) => `v${v}`).join(', ')} → v${u.to}: ${u.newHealthy} of ${service.wanted} new healthy`;
  }

  function taskLink(id) {
    const task = state.tasks.find((t) => t.id === id && !TERMINAL.has(t.state)) || state.tasks.find((t) => t.id === id);
    return task ? el('a', { href: `#/tasks/${encodeURIComponent(task.frameworkId)}/${encodeURIComponent(task.id)}` }, id) : id;
  }

  function renderServices() {
    const services = state.services || [];
    $('#services-section').hidden = services.length === 0;
    const cards = services.map((s) => el('div', { class: 'service', 'data-service': s.name },
      el('h3', null,
        el('span', null, s.name, ' ', el('span', { class: 'muted', 'data-version': String(s.version) }, `v${s.version}`)),
        el('span', { class: s.isHealthy ? 'badge ok' : 'badge bad', 'data-healthy': String(s.isHealthy) }, s.isHealthy ? 'healthy' : 'not healthy')),
      el('div', { class: 'facts', 'data-counts': '' },
        el('span', { 'data-wanted': String(s.wanted) }, `${s.wanted} wanted`), ' · ',
        el('span', { 'data-running': String(s.running) }, `${s.running} running`), ' · ',
        el('span', { 'data-healthy-count': String(s.healthy) }, `${s.healthy} healthy`)),
      s.update ? el('div', { class: 'update', 'data-update': '' },
        el('div', { class: 'bar' }, el('div', { class: 'fill', width: `${s.wanted > 0 ? Math.min(100, (s.update.newHealthy / s.wanted) * 100) : 0}%` })),
        el('span', null, updateText(s))) : null,
      el('table', { class: 'instances' },
        el('thead', null, el('tr', null, ['instance', 'version', 'agent', 'state', 'health', 'ports'].map((h) => el('th', null, h)))),
        el('tbody', null, s.instances.length ? s.instances.map((i) => el('tr', { 'data-instance': i.id, 'data-healthy': String(i.healthy) },
          el('td', null, taskLink(i.id)),
          el('td', null, `v${i.version}`),
          el('td', null, i.agentId),
          el('td', null, stateBadge(i.state)),
          el('td', null, el('span', { class: i.healthy ? 'badge ok' : 'badge' }, i.healthy ? 'healthy' : (i.state === 'RUNNING' ? 'not ready' : 'waiting'))),
          el('td', null, Object.entries(i.ports).map(([n, p]) => `${n}=${p}`).join(' ') || '-')))
          : [el('tr', null, el('td', { colspan: '6', class: 'muted' }, 'No instances yet.'))]))));
    $('#services').replaceChildren(...cards);
  }

  function fillSelect(select, values, labels) {
    const chosen = select.value;
    select.replaceChildren(el('option', { value: '' }, 'all'), ...values.map((v) => el('option', { value: v }, labels ? labels(v) : v)));
    select.value = values.includes(chosen) ? chosen : '';
  }

  function frameworkName(id) {
    const framework = state.frameworks.find((f) => f.id === id);
    return framework ? framework.name : id;
  }

  function renderTasks() {
    fillSelect($('#filter-state'), STATES.filter((s) => state.tasks.some((t) => t.state === s)));
    fillSelect($('#filter-framework'), [...new Set(state.tasks.map((t) => t.frameworkId))].sort(), frameworkName);
    fillSelect($('#filter-agent'), [...new Set(state.tasks.map((t) => t.agentId))].sort());
    const byState = $('#filter-state').value, byFramework = $('#filter-framework').value, byAgent = $('#filter-agent').value;
    const shown = state.tasks
      .filter((t) => (!byState || t.state === byState) && (!byFramework || t.frameworkId === byFramework) && (!byAgent || t.agentId === byAgent))
      .sort((a, b) => TERMINAL.has(a.state) - TERMINAL.has(b.state) || Date.parse(b.status?.timestamp || 0) - Date.parse(a.status?.timestamp || 0));
    const rows = shown.map((t) => el('tr', { 'data-task': t.id, 'data-framework': t.frameworkId, onclick: () => { location.hash = `#/tasks/${encodeURIComponent(t.frameworkId)}/${encodeURIComponent(t.id)}`; } },
      el('td', null, el('a', { href: `#/tasks/${encodeURIComponent(t.frameworkId)}/${encodeURIComponent(t.id)}` }, t.id)),
      el('td', null, t.name),
      el('td', null, stateBadge(t.state)),
      el('td', { title: t.status?.message || '' }, t.status?.reason || ''),
      el('td', null, t.agentId),
      el('td', null, frameworkName(t.frameworkId)),
      el('td', { class: 'num' }, runTime(t))));
    $('#tasks tbody').replaceChildren(...(rows.length ? rows : [el('tr', null, el('td', { colspan: '7', class: 'muted' }, 'No tasks.'))]));
    $('#task-count').textContent = `${shown.length} of ${state.tasks.length}`;
    $('#pending').replaceChildren(...state.pendingJobs.map((j) => el('p', { class: 'muted', 'data-job': j.id }, `waiting: ${j.name} (${j.id}) since ${time(j.since)}: ${j.placement || 'not placed yet'}`)));
  }

  function shownTask() {
    return view && state ? state.tasks.find((t) => t.id === view.taskId && t.frameworkId === view.frameworkId) : null;
  }

  function renderTaskView() {
    const section = $('#task-view');
    section.hidden = !view;
    if (!view) return;
    const task = shownTask();
    $('#task-id').textContent = view.taskId;
    const taskState = task ? task.state : 'UNKNOWN';
    $('#task-state').textContent = taskState;
    $('#task-state').dataset.state = taskState;
    $('#task-facts').textContent = task
      ? `${task.name} · framework ${frameworkName(task.frameworkId)} (${task.frameworkId}) · agent ${task.agentId} · ${resourcesText(task.resources)} · run time ${runTime(task)}${task.status?.exitCode !== undefined ? ` · exit ${task.status.exitCode}` : ''}`
      : 'The master does not know this task (any more).';
    $('#kill').disabled = !task || TERMINAL.has(task.state);
    const seen = history.get(key(view.frameworkId, view.taskId)) || [];
    $('#task-history tbody').replaceChildren(...seen.map((s) => el('tr', { 'data-state': s.state },
      el('td', null, time(s.timestamp)), el('td', null, stateBadge(s.state)), el('td', null, s.reason || ''), el('td', null, s.source), el('td', null, s.message || ''))));
  }

  // ---- the task view: output and kill ----------------------------------------

  async function pollOutput() {
    const task = shownTask();
    if (!task || outputDone) return;
    const terminal = TERMINAL.has(task.state);
    try {
      const response = await fetch(`/api/v1/agents/${encodeURIComponent(task.agentId)}/frameworks/${encodeURIComponent(task.frameworkId)}/tasks/${encodeURIComponent(task.id)}/output`, { cache: 'no-store' });
      if (!response.ok) return;
      const output = await response.json();
      for (const [id, text] of [['#task-stdout', output.stdout], ['#task-stderr', output.stderr]]) {
        const pre = $(id);
        if (pre.textContent === text) continue;
        const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
        pre.textContent = text;
        if (atBottom) pre.scrollTop = pre.scrollHeight;
      }
      if (terminal) outputDone = true; // read once more after it ended: that is all it wrote
    } catch (e) {
      // Read again at the next tick.
    }
  }

  function route() {
    const match = /^#\/tasks\/([^/]+)\/([^/]+)$/.exec(location.hash);
    const next = match ? { frameworkId: decodeURIComponent(match[1]), taskId: decodeURIComponent(match[2]) } : null;
    if (JSON.stringify(next) === JSON.stringify(view)) return;
    view = next;
    clearInterval(outputTimer);
    outputDone = false;
    $('#task-stdout').textContent = '';
    $('#task-stderr').textContent = '';
    $('#kill-result').textContent = '';
    renderTaskView();
    if (view) {
      pollOutput();
      outputTimer = setInterval(pollOutput, 1000);
      $('#task-view').scrollIntoView({ block: 'start' });
    }
  }

  async function kill() {
    const task = shownTask();
    if (!task || !confirm(`Kill task ${task.id}?`)) return;
    $('#kill').disabled = true;
    const body = { type: 'KILL_TASK', kill_task: { task_id: { value: task.id }, framework_id: { value: task.frameworkId } } };
    try {
      const response = await fetch('/api/v1', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) });
      $('#kill-result').textContent = response.ok ? 'Kill sent: the agent is killing the task.' : `Kill refused (${response.status}): ${await response.text()}`;
    } catch (e) {
      $('#kill-result').textContent = `Kill failed: ${e.message}`;
    }
    renderTaskView();
  }

  // ---- events ------------------------------------------------------------------

  function describe(e) {
    switch (e.type) {
      case 'SUBSCRIBED': return `connected: ${e.state.agents.length} agents, ${e.state.tasks.length} tasks`;
      case 'TASK_ADDED': return `task ${e.task.id} (${e.task.name}) on ${e.task.agentId}`;
      case 'TASK_UPDATED': return `task ${e.status.taskId} ${e.status.state}${e.status.reason ? ` (${e.status.reason})` : ''}${e.status.message ? `: ${e.status.message}` : ''}`;
      case 'AGENT_ADDED': case 'AGENT_UPDATED': return `agent ${e.agent.id} ${e.agent.reachable ? 'reachable' : 'unreachable'}`;
      case 'AGENT_REMOVED': return `agent ${e.agentId}`;
      case 'FRAMEWORK_ADDED': case 'FRAMEWORK_UPDATED': return `framework ${e.framework.name} (${e.framework.id}) ${e.framework.connected ? 'connected' : 'disconnected'}`;
      case 'FRAMEWORK_REMOVED': return `framework ${e.frameworkId}`;
      default: return '';
    }
  }

  function onEvent(e) {
    const feed = $('#events');
    feed.prepend(el('li', { 'data-type': e.type }, el('span', { class: 'time' }, time(e.at)), el('span', { class: 'type' }, e.type), el('span', null, describe(e))));
    while (feed.children.length > MAX_EVENTS) feed.lastElementChild.remove();
    if (e.type === 'SUBSCRIBED') {
      setState(e.state);
      return;
    }
    if (e.type === 'TASK_ADDED') remember(e.task.frameworkId, e.task.status);
    if (e.type === 'TASK_UPDATED') {
      remember(e.frameworkId, e.status);
      // Drawn at once; the refresh that follows brings what else changed (agents' use, roles' shares).
      const task = state && state.tasks.find((t) => t.id === e.status.taskId && t.frameworkId === e.frameworkId);
      if (task) {
        task.state = e.status.state;
        task.status = e.status;
        if (e.status.state === 'RUNNING' && !task.startedAt) task.startedAt = e.status.timestamp; // the master's too: its first RUNNING
        render();
      }
    }
    scheduleRefresh();
  }

  function connect() {
    const source = new EventSource('/api/v1/dashboard/events');
    const conn = $('#conn');
    source.onopen = () => { conn.dataset.state = 'live'; conn.textContent = 'live'; };
    source.onerror = () => { conn.dataset.state = 'reconnecting'; conn.textContent = 'reconnecting…'; };
    source.onmessage = (message) => onEvent(JSON.parse(message.data));
  }

  document.addEventListener('DOMContentLoaded', () => {
    for (const id of ['#filter-state', '#filter-framework', '#filter-agent']) $(id).addEventListener('change', renderTasks);
    $('#kill').addEventListener('click', kill);
    window.addEventListener('hashchange', route);
    route();
    connect();
    // Run times and roles' shares move without events.
    setInterval(() => { if (state) scheduleRefresh(); }, 5000);
  });
})();
