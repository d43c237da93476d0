// A Node.js process that churns short-lived objects under the real @pyroscope/nodejs agent
// (docs/runtimes.md): V8's collector then takes a visible share of the wall-clock profile, which
// the agent names `:Garbage Collection:0`.
//
// Env: SERVER_ADDRESS, APP_NAME, DURATION_SECS (default 12), FLUSH_INTERVAL_MS (default 5000).
'use strict';
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const Pyroscope = require(path.join(ROOT, 'target/agents/node/node_modules/@pyroscope/nodejs')).default;

Pyroscope.init({
  serverAddress: process.env.SERVER_ADDRESS,
  appName: process.env.APP_NAME,
  tags: { version: '1.0.0' },
  flushIntervalMs: Number(process.env.FLUSH_INTERVAL_MS || '5000'),
  wall: { samplingIntervalMicros: 10000, collectCpuTime: false },
});
Pyroscope.startWallProfiling();

// Objects that live just long enough to be promoted, then die: the old generation fills and
// the collector runs often.
let survivors = [];
function churnObjects(ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (let i = 0; i < 1000; i++) survivors.push({ id: i, tags: ['a', 'b'], at: [i, i * 2] });
    if (survivors.length > 200000) survivors = [];
  }
}

const deadline = Date.now() + Number(process.env.DURATION_SECS || '12') * 1000;
function round() {
  if (Date.now() >= deadline) {
    Pyroscope.stop().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
    return;
  }
  churnObjects(50);
  setImmediate(round);
}
round();
