"use strict";
// A real Mesos v1 HTTP scheduler (the npm package mesos-framework) driven against Embedded's API by
// NodeSchedulerTests: subscribe, launch one command task on an offer, acknowledge its updates (the
// package's default UPDATE handler does), exit 0 once it is FINISHED. Usage: node scheduler.js <master url>
var os = require("os");
var fs = require("fs");
var path = require("path");
var mf = require("mesos-framework");
var Mesos = mf.Mesos.getMesos();

var master = new URL(process.argv[2] || "http://127.0.0.1:5050");
var timeoutSeconds = parseInt(process.env.SCHEDULER_TIMEOUT_SECONDS || "60", 10);
// The package also logs to a file; keep it out of the working tree.
var logs = fs.mkdtempSync(path.join(os.tmpdir(), "mesos-framework-"));

function done(code, line) {
    console.log(line);
    try { fs.rmSync(logs, { recursive: true, force: true }); } catch (e) { /* only a log folder */ }
    process.exit(code);
}

setTimeout(function () { done(2, "TIMEOUT after " + timeoutSeconds + " s"); }, timeoutSeconds * 1000).unref();

var scheduler = new mf.Scheduler({
    masterUrl: master.hostname,
    port: master.port || 80,
    frameworkName: "node-mesos-framework",
    masterConnectionTimeout: 60,   // seconds without a byte before it re-subscribes; heartbeats come every 15 s
    logging: { path: logs, fileName: "scheduler.log", level: process.env.SCHEDULER_LOG_LEVEL || "info" },
    tasks: {
        hello: {
            instances: 1,
            commandInfo: new Mesos.CommandInfo(null, null, true, "echo hello-from-node", null, null),
            resources: { cpus: 0.1, mem: 32, disk: 0, ports: 0 }
        }
    }
});

var unacknowledged = 0;
var finished = false;
function maybeDone() {
    if (finished && unacknowledged === 0) done(0, "DONE");
}

scheduler.on("ready", function () { scheduler.subscribe(); });
scheduler.on("subscribed", function (s) { console.log("SUBSCRIBED " + s.frameworkId); });
scheduler.on("sent_accept", function () { console.log("ACCEPTED"); });
// The package's default UPDATE handler acknowledges every update that has a uuid; its answer (202) comes as sent_acknowledge.
scheduler.on("sent_acknowledge", function () { unacknowledged--; maybeDone(); });
scheduler.on("update", function (update) {
    var status = update.status;
    if (status.uuid) unacknowledged++;
    console.log("STATUS " + status.state + " " + status.task_id.value + " agent=" + (status.agent_id && status.agent_id.value));
    if (status.state === "TASK_FINISHED") {
        // Leave once every acknowledgement, this one's too, has been taken by the master.
        finished = true;
        maybeDone();
    } else if (["TASK_FAILED", "TASK_KILLED", "TASK_LOST", "TASK_ERROR", "TASK_DROPPED", "TASK_GONE"].indexOf(status.state) > -1) {
        done(1, "FAILED " + status.state + " " + (status.message || ""));
    }
});
// Any error before the end (a call not answered 202, a stream cut short, an event it cannot parse) fails the run.
scheduler.on("error", function (error) {
    done(3, "ERROR " + (error && error.message ? error.message : JSON.stringify(error)));
});
