// The baseline of `npm run bench:realtime`: a bare `ws` server doing the same deliveries as the
// hub (events from the same Redis channel, routed to the sockets of broadcast.user_ids, encoded
// once per event with a per-socket seq) and nothing else: no auth, no rings, no presence.
// Usage: node scripts/bench-ws-baseline.mjs <redis-url> <channel>
import { WebSocketServer } from 'ws';
import { createServer } from 'node:http';
import { createClient } from 'redis';

const [redisUrl, channel] = process.argv.slice(2);
const byUser = new Map();
const server = createServer((req, res) => {
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server, clientTracking: false, maxPayload: 8192 });
wss.on('connection', (ws, req) => {
  const uid = req.headers['x-user'];
  ws.seq = 0;
  let set = byUser.get(uid);
  if (!set) byUser.set(uid, (set = new Set()));
  set.add(ws);
  ws.on('close', () => set.delete(ws));
  ws.on('message', (d) => {
    try {
      const m = JSON.parse(String(d));
      ws.send(JSON.stringify({ status: 'OK', seq_reply: m.seq }));
    } catch {
      /* ignore */
    }
  });
});
const sub = createClient({ url: redisUrl });
sub.on('error', () => {});
await sub.connect();
await sub.subscribe(channel, (raw) => {
  const { m } = JSON.parse(raw);
  if (!m || !m.event) return;
  const head = `{"event":${JSON.stringify(m.event)},"data":${JSON.stringify(m.data)}`;
  for (const uid of m.broadcast.user_ids) {
    const set = byUser.get(uid);
    if (!set) continue;
    for (const ws of set) ws.send(`${head},"seq":${++ws.seq}}`);
  }
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ msg: 'listening', port: server.address().port })));
process.on('SIGTERM', () => process.exit(0));
