// tests/agents/work_mix.py for Node: a workload with known shares, profiled by the real
// Pyroscope Node SDK (@pyroscope/nodejs 0.x, wall-clock profile only).
//
// Every round of ROUND_SECS (default 0.5) the main thread works DUTY (default 0.08) of the round
// and waits for a timer the rest, so that it fits beside many other processes on a small
// machine. The work is split among four functions by the same shares as work_mix.py
// (SHARE_LARGE / SHARE_MEDIUM / SHARE_SMALL / SHARE_OTHER, percent, default 55 / 20 / 5 / 20;
// FACTOR_LARGE / FACTOR_MEDIUM / FACTOR_SMALL, default 1), each running for its part of wall
// time (the profile is of wall time, so wall time is the yardstick), in a new random order
// every round. The profile's type is `wall` (docs/runtimes.md): the waiting shows too, so the
// functions' shares are those of the round's work times DUTY, the rest is the event loop's idle
// time.
//
// Env: SERVER_ADDRESS, APP_NAME, APP_VERSION (tag `version`), DURATION_SECS (default 60),
// DUTY, ROUND_SECS, the shares and factors above, FLUSH_INTERVAL_MS (default 10000),
// STATS_FILE (append one JSON line at exit, as work_mix.py does).
// SIGTERM ends the run early as DURATION_SECS would: the last window is uploaded.
// The SDK lives in target/agents/node (scripts/install-agents.sh installs it there).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
// TurboFan would inline the small loops into their caller, and the function would vanish from
// the wall profile (as in busy.js).
require('node:v8').setFlagsFromString('--no-turbo-inlining');

const ROOT = path.resolve(__dirname, '..', '..');
const Pyroscope = require(path.join(ROOT, 'target/agents/node/node_modules/@pyroscope/nodejs')).default;

const num = (name, fallback) => Number(process.env[name] || fallback);
const SHARES = {
  large: num('SHARE_LARGE', 55) / 100,
  medium: num('SHARE_MEDIUM', 20) / 100,
  small: num('SHARE_SMALL', 5) / 100,
  other: num('SHARE_OTHER', 20) / 100,
};
if (Math.abs(SHARES.large + SHARES.medium + SHARES.small + SHARES.other - 1) > 1e-6) {
  console.error('SHARE_LARGE + SHARE_MEDIUM + SHARE_SMALL + SHARE_OTHER must be 100');
  process.exit(2);
}
const FACTORS = {
  large: num('FACTOR_LARGE', 1),
  medium: num('FACTOR_MEDIUM', 1),
  small: num('FACTOR_SMALL', 1),
  other: 1,
};
const DURATION_MS = num('DURATION_SECS', 60) * 1000;
const ROUND_MS = num('ROUND_SECS', 0.5) * 1000;
const WORK_MS = num('DUTY', 0.08) * ROUND_MS;

Pyroscope.init({
  serverAddress: process.env.SERVER_ADDRESS,
  appName: process.env.APP_NAME,
  tags: { version: process.env.APP_VERSION },
  flushIntervalMs: num('FLUSH_INTERVAL_MS', 10000),
  wall: { samplingIntervalMicros: 10000, collectCpuTime: false },
});
Pyroscope.startWallProfiling();

// Each part is its own function with the loop in its own frame, so that its self time is its
// work: allocation-free arithmetic (no callee, no garbage collection) until the part's wall time
// has passed (performance.now(), read every 1000 steps, ~2 us).
function mixLarge(ms) {
  const end = performance.now() + ms;
  let x = 1;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) x = (x * 1103515245 + 12345) | 0;
  return x;
}
function mixMedium(ms) {
  const end = performance.now() + ms;
  let x = 2;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) x = (x * 1103515245 + 12345) | 0;
  return x;
}
function mixSmall(ms) {
  const end = performance.now() + ms;
  let x = 3;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) x = (x * 1103515245 + 12345) | 0;
  return x;
}
function mixOther(ms) {
  const end = performance.now() + ms;
  let x = 4;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) x = (x * 1103515245 + 12345) | 0;
  return x;
}

const PARTS = [
  [mixLarge, WORK_MS * SHARES.large * FACTORS.large],
  [mixMedium, WORK_MS * SHARES.medium * FACTORS.medium],
  [mixSmall, WORK_MS * SHARES.small * FACTORS.small],
  [mixOther, WORK_MS * SHARES.other],
];

const startWall = performance.now();
const startCpu = process.cpuUsage();
const deadline = startWall + DURATION_MS;
let stopping = false;
let rounds = 0;
let nextRound = startWall;
process.on('SIGTERM', () => { stopping = true; });

function finish() {
  const cpu = process.cpuUsage(startCpu);
  const stats = {
    app: process.env.APP_NAME,
    version: process.env.APP_VERSION,
    factors: FACTORS,
    shares: SHARES,
    wallSecs: (performance.now() - startWall) / 1000,
    processCpuSecs: (cpu.user + cpu.system) / 1e6,
    rounds,
    runtime: 'node',
  };
  // stopWallProfiling() uploads the last window.
  Pyroscope.stopWallProfiling().then(() => {
    if (process.env.STATS_FILE) fs.appendFileSync(process.env.STATS_FILE, JSON.stringify(stats) + '\n');
    process.exit(0);
  }, (e) => { console.error(e); process.exit(1); });
}

function round() {
  if (stopping || performance.now() >= deadline) {
    finish();
    return;
  }
  for (let i = PARTS.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [PARTS[i], PARTS[j]] = [PARTS[j], PARTS[i]];
  }
  for (const [fn, ms] of PARTS) fn(ms);
  rounds += 1;
  nextRound += ROUND_MS;
  let pause = nextRound - performance.now();
  if (pause < 0) {
    nextRound = performance.now(); // behind (a loaded machine): start the next at once
    pause = 0;
  }
  setTimeout(round, pause);
}
round();
