// A Node.js process that keeps what it allocates, under the real @pyroscope/nodejs agent with
// heap profiling on (the proof of docs/regressions.md#memory-that-only-grows). The agent takes a
// heap snapshot and uploads it every FLUSH_INTERVAL_MS; a timer of the same period, started half a
// period after the agent's, keeps CHUNKS_PER_FLUSH arrays each time, so that every snapshot holds
// exactly one more interval's worth than the one before (a tick = one flush interval; the test
// replays tick k into the k-th 10-s slice, so ticks run much faster than the slices they stand
// for).
//
// Each kept array is `new Array(ELEMENTS).fill(0)`: a holey-Smi JSArray whose FixedArray of
// ELEMENTS tagged words (8 bytes each in Node's default build) plus a 16-byte header is one
// allocation in V8's large-object space. V8's sampling heap profiler (samplingIntervalBytes
// 32 KiB here) samples an allocation of 512 KiB with probability 1 - e^-16 and scales it by
// 1/(1-e^-16), rounded per allocation size: the arrays are seen at their exact size.
//
// Env: SERVER_ADDRESS, APP_NAME, FLUSH_INTERVAL_MS (default 1000), CHUNKS_PER_FLUSH (default
// 8), FLUSHES (default 16: the process ends half a period after the FLUSHES-th flush, the
// last one to see a keep). Prints `kept <bytes per flush>` first, then `done <arrays kept>`.
'use strict';
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const Pyroscope = require(path.join(ROOT, 'target/agents/node/node_modules/@pyroscope/nodejs')).default;

const FLUSH_MS = Number(process.env.FLUSH_INTERVAL_MS || '1000');
const CHUNKS = Number(process.env.CHUNKS_PER_FLUSH || '8');
const FLUSHES = Number(process.env.FLUSHES || '16');
const ELEMENTS = 65536; // below V8's 100 000-element limit for a fast (non-dictionary) array
const ARRAY_BYTES = ELEMENTS * 8 + 16;

Pyroscope.init({
  serverAddress: process.env.SERVER_ADDRESS,
  appName: process.env.APP_NAME,
  flushIntervalMs: FLUSH_MS,
  heap: { samplingIntervalBytes: 32 * 1024 },
});
Pyroscope.startHeapProfiling();
console.log(`kept ${CHUNKS * ARRAY_BYTES}`);

const records = [];
// A steady set, allocated once.
const steady = Array.from({ length: 4 }, () => new Array(ELEMENTS).fill(0));

function keepRecords() {
  for (let i = 0; i < CHUNKS; i++) records.push(new Array(ELEMENTS).fill(0));
}

let intervals = 0;
setTimeout(() => {
  keepRecords();
  intervals = 1;
  const timer = setInterval(() => {
    if (intervals >= FLUSHES) {
      // Half a period after the flush that saw the last keep: stop (the heap profiler sends
      // nothing at stop; stop() waits for an upload in flight) and end.
      clearInterval(timer);
      Pyroscope.stop().then(() => {
        console.log(`done ${records.length} ${steady.length}`);
        process.exit(0);
      }, (e) => { console.error(e); process.exit(1); });
      return;
    }
    keepRecords();
    intervals += 1;
  }, FLUSH_MS);
}, FLUSH_MS / 2);
