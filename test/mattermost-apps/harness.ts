/**
 * A RustChat server on a real HTTP port, in this process (so a test also sees the events it
 * emits and can count its queries), for Mattermost's own JavaScript client: Client4 for REST and
 * WebSocketClient for /api/v4/websocket. PGlite by default, PostgreSQL with
 * RUSTCHAT_TEST_DATABASE_URL (test/db.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { WebSocket as WsWebSocket } from 'ws';
import mm from '@mattermost/client';
import { testApp, type TestContext } from '../app.ts';

// Node 20: the client uses the browser's WebSocket and CloseEvent globals.
(globalThis as any).WebSocket ??= WsWebSocket;
(globalThis as any).CloseEvent ??= class CloseEvent extends Event {
  code: number;
  reason: string;
  wasClean: boolean;
  constructor(type: string, init: { code?: number; reason?: string; wasClean?: boolean } = {}) {
    super(type);
    this.code = init.code ?? 0;
    this.reason = init.reason ?? '';
    this.wasClean = init.wasClean ?? false;
  }
};

export const { Client4, ClientError } = mm as any;
export type Client = InstanceType<typeof Client4>;

export interface MmServer {
  t: TestContext;
  url: string;
  /** A Client4 for this server, signed in when a token is given. */
  client(token?: string): Client;
  /** Signs up (the first account is a system admin) and logs in through the client. */
  signUp(username: string): Promise<{ client: Client; user: any }>;
  close(): Promise<void>;
}

export async function startMmServer(config: Record<string, unknown> = {}): Promise<MmServer> {
  const dir = mkdtempSync(join(tmpdir(), 'rustchat-mm-apps-'));
  const t = await testApp({ config: { 'server.data_dir': dir, 'auth.open_signup': true, ...config } });
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: t.server.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server)) as Server;
  });
  t.server.injectWebSocket(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = (token?: string) => {
    const c = new Client4();
    c.setUrl(url);
    if (token) c.setToken(token);
    return c;
  };
  return {
    t,
    url,
    client,
    async signUp(username) {
      const c = client();
      await c.createUser({ username, email: `${username}@example.com`, password: 'correct horse battery staple' } as any, '', '');
      const user = await c.login(username, 'correct horse battery staple');
      return { client: c, user };
    },
    async close() {
      t.server.closeSockets();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
