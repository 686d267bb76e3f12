/**
 * Write load for the fault suite: posts on a fixed schedule (an open loop, so a stalled server
 * shows as requests piling up, not as a slower client), over keep-alive connections, recording
 * every answer: when it was sent, how long it took, its status and error code, and the post id
 * of each 2xx (the suite checks afterwards that each of those exists).
 */
import { Agent, request } from 'node:http';
import { randomBytes } from 'node:crypto';

export interface PostResult {
  /** ms since the load started, when the request was sent. */
  at: number;
  ms: number;
  /** HTTP status, or 0 when the connection failed or the client gave up (timeoutMs). */
  status: number;
  code?: string;
  id?: string;
  clientMsgId: string;
  error?: string;
}

export interface LoadOptions {
  base: string;
  channelId: string;
  tokens: string[];
  perSecond: number;
  /** Requests beyond this many in flight are not sent (counted in `skipped`). */
  maxInFlight?: number;
  /** A request still unanswered after this long counts as status 0. */
  timeoutMs?: number;
}

export interface Load {
  results: PostResult[];
  /** ms since the load started. */
  now(): number;
  inFlight(): number;
  skipped(): number;
  /** Stops sending and waits for what is in flight. */
  stop(): Promise<PostResult[]>;
}

export function startPostLoad(o: LoadOptions): Load {
  // Idle sockets are dropped after 4 s, before the server's keep-alive timeout (5 s) closes them:
  // otherwise a request sent on a socket the server is closing at that moment fails with
  // ECONNRESET (the keep-alive race every HTTP client has), which is not what a case measures.
  const agent = new Agent({ keepAlive: true, maxSockets: o.maxInFlight ?? 64, timeout: 4000 });
  const started = performance.now();
  const now = () => performance.now() - started;
  const results: PostResult[] = [];
  const pending = new Set<Promise<void>>();
  let skipped = 0;
  let sent = 0;
  let n = 0;
  const one = (): Promise<void> => {
    const clientMsgId = randomBytes(12).toString('hex');
    const token = o.tokens[n++ % o.tokens.length];
    const body = JSON.stringify({ message: `load ${n}`, client_msg_id: clientMsgId });
    const at = now();
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = (r: Omit<PostResult, 'at' | 'ms' | 'clientMsgId'>) => {
        if (done) return;
        done = true;
        results.push({ at, ms: now() - at, clientMsgId, ...r });
        resolve();
      };
      const req = request(
        `${o.base}/api/v1/channels/${o.channelId}/posts`,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (text += d));
          res.on('error', (e) => finish({ status: 0, error: String(e) }));
          res.on('end', () => {
            let parsed: any;
            try {
              parsed = JSON.parse(text);
            } catch {
              /* not JSON */
            }
            const status = res.statusCode ?? 0;
            finish({ status, id: status >= 200 && status < 300 ? parsed?.id : undefined, code: parsed?.error?.code });
          });
        },
      );
      req.setTimeout(o.timeoutMs ?? 30_000, () => req.destroy(new Error('client timeout')));
      req.on('error', (e) => finish({ status: 0, error: String(e) }));
      req.end(body);
    });
  };
  const timer = setInterval(() => {
    const due = Math.floor((now() / 1000) * o.perSecond) - sent - skipped;
    for (let i = 0; i < due; i++) {
      if (pending.size >= (o.maxInFlight ?? 64)) {
        skipped++;
        continue;
      }
      sent++;
      const p = one().finally(() => pending.delete(p));
      pending.add(p);
    }
  }, 5);
  return {
    results,
    now,
    inFlight: () => pending.size,
    skipped: () => skipped,
    async stop() {
      clearInterval(timer);
      await Promise.all([...pending]);
      agent.destroy();
      return results;
    },
  };
}

/** A compact summary of results for assertion messages. */
export function summarize(results: PostResult[]): string {
  const by = new Map<string, number>();
  for (const r of results) {
    const k = `${r.status}${r.code ? ` ${r.code}` : ''}${r.error ? ` ${r.error}` : ''}`;
    by.set(k, (by.get(k) ?? 0) + 1);
  }
  return [...by].map(([k, v]) => `${k}: ${v}`).join(', ');
}
