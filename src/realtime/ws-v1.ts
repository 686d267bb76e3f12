import type { UpgradeWebSocket } from 'hono/ws';
import type { WebSocket } from 'ws';
import type { Handler } from 'hono';
import type { AppEnv } from '../http/env.ts';
import { authenticate } from '../actions/tokens.ts';
import { bearerToken } from '../http/middleware.ts';
import { newId } from '../ids.ts';

/**
 * `/api/v1/ws`: authenticates by the Authorization header or a first `authenticate` action and
 * says hello. (The hub with events, resume and presence is built in realtime/hub.ts.)
 */
export function wsV1Handler(upgrade: UpgradeWebSocket<WebSocket>): Handler<AppEnv> {
  return upgrade((c) => {
    const deps = c.get('deps');
    const headerToken = bearerToken(c.req.header('authorization'));
    let authed = false;
    let timer: NodeJS.Timeout | undefined;
    return {
      async onOpen(_e, ws) {
        const hello = () => {
          authed = true;
          if (timer) clearTimeout(timer);
          ws.send(JSON.stringify({ event: 'hello', data: { connection_id: newId(), server_version: '0' }, seq: 0 }));
        };
        if (headerToken) {
          try {
            await authenticate(deps, headerToken);
            hello();
          } catch {
            ws.close(4001, 'authentication failed');
          }
          return;
        }
        timer = setTimeout(() => ws.close(4001, 'authentication timeout'), 5000);
        (ws as any).__hello = hello;
      },
      async onMessage(e, ws) {
        let msg: any;
        try {
          msg = JSON.parse(String(e.data));
        } catch {
          ws.send(JSON.stringify({ status: 'FAIL', seq_reply: null, error: { code: 'invalid_json', message: 'Frame is not JSON' } }));
          return;
        }
        if (!authed) {
          if (msg?.action !== 'authenticate' || typeof msg?.data?.token !== 'string') {
            ws.close(4001, 'authentication required');
            return;
          }
          try {
            await authenticate(deps, msg.data.token);
            (ws as any).__hello();
            ws.send(JSON.stringify({ status: 'OK', seq_reply: msg.seq }));
          } catch {
            ws.close(4001, 'authentication failed');
          }
        }
      },
      onClose() {
        if (timer) clearTimeout(timer);
      },
    };
  });
}
