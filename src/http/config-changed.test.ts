/**
 * An admin's settings change: every process drops its cache at once (over the bus, not after the
 * 5 s expiry), and connected sockets get `config_changed` — Mattermost sockets with the client
 * config `GET /api/v4/config/client?format=old` answers, native sockets with the site info.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testApp, type TestContext } from '../../test/app.ts';
import { fxUser, type FxUser } from '../../test/fixtures.ts';
import { connect, WsClient } from '../../test/realtime.ts';
import { withServices } from '../boot.ts';
import type { Deps } from '../deps.ts';
import { integrationSettings } from '../actions/integration-settings.ts';
import { siteSettings } from '../actions/settings.ts';

let t: TestContext;
let server: Server;
let base: string;
let admin: FxUser;
let member: FxUser;
/** A second process on the same database and bus (its own caches), its clock stopped: only the bus can drop its cache. */
let other: Deps;

test.before(async () => {
  t = await testApp();
  server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: t.server.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server)) as Server;
  });
  t.server.injectWebSocket(server);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  admin = await fxUser(t.deps, { admin: true });
  member = await fxUser(t.deps);
  const { services: _, ...base_ } = t.deps;
  const stopped = Date.now();
  other = withServices({ ...base_, now: () => stopped });
});

test.after(async () => {
  for (const c of open) c.ws.terminate();
  await other.services.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await t.close();
});

const open: WsClient[] = [];
async function mmSocket(token: string): Promise<WsClient> {
  const c = new WsClient(`${base.replace(/^http/, 'ws')}/api/v4/websocket`, { token });
  open.push(c);
  await c.opened;
  await c.next((f) => f.event === 'hello');
  return c;
}

const clientConfig = async (token: string) => (await t.req('GET', '/api/v4/config/client?format=old', { token })).body as Record<string, string>;

test('disabling incoming webhooks: every process drops its cache, v4 sockets get config_changed with the new client config', async () => {
  const mm = await mmSocket(member.token);
  // Warm both processes' caches.
  assert.is((await clientConfig(member.token)).EnableIncomingWebhooks, 'true');
  assert.is((await integrationSettings(other)).enable_incoming_webhooks, true);

  const r = await t.req('PATCH', '/api/v1/admin/integration-settings', { token: admin.token, body: { enable_incoming_webhooks: false } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  // In force at once here and on the other process (whose clock never reaches the 5 s expiry).
  assert.is((await clientConfig(member.token)).EnableIncomingWebhooks, 'false');
  assert.is((await integrationSettings(other)).enable_incoming_webhooks, false);
  const hook = await t.req('POST', '/hooks/' + 'x'.repeat(26), { body: { text: 'hi' } });
  assert.is(hook.status, 501);

  const f = await mm.next((x) => x.event === 'config_changed');
  assert.equal(f.data, { config: await clientConfig(member.token) }, 'the full client config of GET /config/client?format=old');
  assert.equal((f as any).broadcast, { omit_users: null, user_id: '', channel_id: '', team_id: '', connection_id: '', omit_connection_id: '' });

  await t.req('PATCH', '/api/v1/admin/integration-settings', { token: admin.token, body: { enable_incoming_webhooks: null } });
  const back = await mm.next((x) => x.event === 'config_changed');
  assert.is(back.data.config.EnableIncomingWebhooks, 'true');
  mm.frames.forEach((x, i) => assert.is(x.seq, i, 'numbered like every event, no gap'));
  await mm.close();
});

test('renaming the site: SiteName on v4 sockets, the site info on native sockets, the other process at once', async () => {
  const mm = await mmSocket(member.token);
  const { c: native } = await connect(base, member.token);
  assert.is((await siteSettings(other)).site_name, 'RustChat');

  const r = await t.req('PATCH', '/api/v1/admin/config', { token: admin.token, body: { site_name: 'Acme Chat' } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is((await siteSettings(other)).site_name, 'Acme Chat');

  const f = await mm.next((x) => x.event === 'config_changed');
  assert.is(f.data.config.SiteName, 'Acme Chat');
  const n = await native.next((x) => x.event === 'config_changed');
  assert.equal(n.data.site, (await t.req('GET', '/api/v1/site/info')).body, 'the site info of GET /api/v1/site/info');
  assert.is(n.data.site.site_name, 'Acme Chat');

  await t.req('PATCH', '/api/v1/admin/config', { token: admin.token, body: { site_name: null } });
  assert.is((await mm.next((x) => x.event === 'config_changed')).data.config.SiteName, 'RustChat');
  await Promise.all([mm.close(), native.close()]);
});

test('auth and email groups drop their caches on every process too; a rejected change announces nothing', async () => {
  const mm = await mmSocket(member.token);
  await t.req('PATCH', '/api/v1/admin/email-settings', { token: admin.token, body: { send_notifications: false } });
  assert.is((await mm.next((x) => x.event === 'config_changed')).data.config.SendEmailNotifications, 'false');
  await t.req('PATCH', '/api/v1/admin/auth-settings', { token: admin.token, body: { password_min_length: 12 } });
  assert.is((await mm.next((x) => x.event === 'config_changed')).data.config.PasswordMinimumLength, '12');
  const bad = await t.req('PATCH', '/api/v1/admin/auth-settings', { token: admin.token, body: { password_min_length: 3 } });
  assert.is(bad.status, 400);
  await t.req('PATCH', '/api/v1/admin/auth-settings', { token: admin.token, body: { password_min_length: null } });
  await t.req('PATCH', '/api/v1/admin/email-settings', { token: admin.token, body: { send_notifications: null } });
  const last = await mm.next((x) => x.event === 'config_changed' && x.data.config.SendEmailNotifications === 'true');
  // Two config_changed per change at most (a burst is merged), none for the rejected one; seq without gaps.
  const changes = mm.frames.filter((x) => x.event === 'config_changed');
  assert.ok(changes.length <= 4, `${changes.length} config_changed`);
  assert.is(last.data.config.PasswordMinimumLength, '8');
  mm.frames.forEach((x, i) => assert.is(x.seq, i));
  await mm.close();
});

test.run();
