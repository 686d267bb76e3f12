// Idle WebSocket clients for `npm run bench:realtime -- --idle N`: one process holds a share of
// the connections (a process may hold at most `ulimit -n` sockets), opened from several loopback
// source addresses (127.0.0.2, .3, …) so that N connections to one server port do not run out of
// ephemeral ports. Reads a JSON job from the file named in argv[2]:
//   { url, protocol: 'v1' | 'v4', tokens: [...], addresses: ['127.0.0.2', ...], concurrency }
// authenticates each socket with its token at the upgrade, prints {"connected":n,"failed":m} on
// stdout once all have opened (or failed), then stays idle (answering pings) until SIGTERM.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const sockets = [];
let connected = 0;
let failed = 0;
let next = 0;
let firstError = '';
function one() {
  if (next >= job.tokens.length) return Promise.resolve();
  const i = next++;
  return new Promise((resolve) => {
    const ws = new WebSocket(job.url, {
      headers: { authorization: `Bearer ${job.tokens[i]}` },
      perMessageDeflate: false,
      localAddress: job.addresses[i % job.addresses.length],
    });
    ws.once('open', () => {
      connected++;
      resolve();
    });
    ws.once('error', (e) => {
      failed++;
      firstError ||= String(e.message);
      resolve();
    });
    ws.on('message', () => {}); // hello, then nothing: the sockets are idle
    sockets.push(ws);
  }).then(one);
}
await Promise.all(Array.from({ length: job.concurrency ?? 100 }, one));
console.log(JSON.stringify({ connected, failed, first_error: firstError }));
process.on('SIGTERM', () => process.exit(0));
setInterval(() => {}, 1 << 30);
