// A CPU-busy workload profiled by the real Pyroscope Node SDK (@pyroscope/nodejs 0.x).
//
// Env: SERVER_ADDRESS, APP_NAME, APP_VERSION (tag `version`), optional AUTH_TOKEN (sent as
// `Authorization: Bearer`), DURATION_SECS (default 25), FLUSH_INTERVAL_MS (default 10000),
// EXTRA_BETA_MS (default 0: a "version B" whose busyBetaSorting also spends this many
// milliseconds per round in a plain loop of its own; scripts/agents_experiment.sh).
// The SDK lives in target/agents/node (scripts/install-agents.sh installs it there).
'use strict';
const path = require('node:path');
const crypto = require('node:crypto');
// TurboFan inlines the small busyAlphaHashing into its caller, and V8's sampler then reports
// its time under the caller: the function would vanish from the wall profile.
require('node:v8').setFlagsFromString('--no-turbo-inlining');

const ROOT = path.resolve(__dirname, '..', '..');
const Pyroscope = require(path.join(ROOT, 'target/agents/node/node_modules/@pyroscope/nodejs')).default;

const DURATION_MS = Number(process.env.DURATION_SECS || '25') * 1000;
// Unset or 0: the ~2:1 split that tests/real_agents.rs relies on, unchanged.
const EXTRA_BETA_MS = Number(process.env.EXTRA_BETA_MS || '0');

Pyroscope.init({
  serverAddress: process.env.SERVER_ADDRESS,
  appName: process.env.APP_NAME,
  tags: { version: process.env.APP_VERSION },
  authToken: process.env.AUTH_TOKEN || undefined,
  // The SDK flushes every 60 s by default, longer than a test run; the heap profiler only
  // ever uploads on these flushes (its stop() sends nothing), so a short interval is needed.
  flushIntervalMs: Number(process.env.FLUSH_INTERVAL_MS || '10000'),
  wall: { samplingIntervalMicros: 10000, collectCpuTime: false },
  heap: { samplingIntervalBytes: 64 * 1024 },
});
Pyroscope.start(); // wall + heap

function busyAlphaHashing(ms) {
  const end = Date.now() + ms;
  let data = Buffer.from('alpha');
  while (Date.now() < end) data = crypto.createHash('sha256').update(data).digest();
}

const retained = []; // a little live memory, so the heap profile is not empty
function busyBetaSorting(ms, extraMs) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const items = Array.from({ length: 2000 }, () => Math.random());
    items.sort((a, b) => a - b);
    if (retained.length < 200) retained.push(items);
  }
  // Version B's extra work: arithmetic that allocates nothing, so the wall profile puts it in
  // this function's own frame (more sorting would go half to the garbage collector's).
  let x = 0;
  if (extraMs > 0) {
    const extraEnd = Date.now() + extraMs;
    while (Date.now() < extraEnd) for (let i = 0; i < 1000; i++) x += i * i;
  }
  return x;
}

// Short slices with setImmediate between them: the SDK's flush timer and its HTTP upload
// run on the event loop, which a single long busy loop would starve.
const deadline = Date.now() + DURATION_MS;
function round() {
  if (Date.now() >= deadline) {
    // stop() uploads the final wall profile (the heap profiler sends none at stop).
    Pyroscope.stop().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
    return;
  }
  busyAlphaHashing(40);
  busyBetaSorting(20, EXTRA_BETA_MS);
  setImmediate(round);
}
round();
