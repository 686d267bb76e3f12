/**
 * Incoming webhooks through a real listening server, posted to with real HTTP requests the way
 * CI and monitoring tools send them: JSON, Slack's `payload=` form, multipart fields, Slack
 * attachments; channel override and lock, username/icon overrides behind their settings, the
 * per-hook rate limit, Mattermost's error ids, and management on /api/v1 and /api/v4.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { testApp, only } from '../../../test/app.ts';
import { fxChannel, fxTeam, fxUser, fxJoin } from '../../../test/fixtures.ts';

const t = await testApp();
const server = serve({ fetch: t.server.app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const admin = await fxUser(t.deps, { admin: true });
const lead = await fxUser(t.deps); // team admin (fxTeam makes the creator team admin)
const member = await fxUser(t.deps);
const team = await fxTeam(t.deps, lead, { members: [member] });
const alerts = await fxChannel(t.deps, team.id, lead, { name: 'alerts', members: [member] });
const other = await fxChannel(t.deps, team.id, lead, { name: 'deploys' });
const secret = await fxChannel(t.deps, team.id, member, { type: 'P', name: 'secret' });

const settings = (body: Record<string, unknown>) => t.req('PATCH', '/api/v1/admin/integration-settings', { token: admin.token, body });
test.after.each(async () => {
  await settings({ enable_post_username_override: null, enable_post_icon_override: null, incoming_webhook_rate_per_minute: null, enable_incoming_webhooks: null, members_manage_integrations: null });
});

async function newHook(body: Record<string, unknown> = {}, token = lead.token) {
  const r = await t.req('POST', '/api/v1/hooks/incoming', { token, body: { channel_id: alerts.id, display_name: 'CI', ...body } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const post = (id: string, body: BodyInit, type?: string) => fetch(`${base}/hooks/${id}`, { method: 'POST', body, headers: type ? { 'content-type': type } : {} });
const lastPost = async (channelId: string) => (await t.deps.db.query<any>('select * from posts where channel_id = $1 order by seq desc limit 1', [channelId]))[0];

test('JSON payload: posted as the creator, from_webhook, event to the channel; answers "ok" text/plain', async () => {
  const hook = await newHook();
  t.takeEvents();
  const res = await post(hook.id, JSON.stringify({ text: 'build **42** passed' }), 'application/json');
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'text/plain');
  assert.is(await res.text(), 'ok');
  const row = await lastPost(alerts.id);
  assert.is(row.message, 'build **42** passed');
  assert.is(row.user_id, lead.id);
  assert.is(row.props.from_webhook, 'true');
  assert.is(row.props.webhook_display_name, 'CI');
  assert.is(row.props.override_username, undefined, 'username override is off by default');
  const posted = only(t.takeEvents(), 'posted');
  assert.is(posted.length, 1);
  assert.ok(posted[0].broadcast.user_ids.includes(member.id));
  // The Mattermost apps read it from the post's props.
  const mm = await t.req('GET', `/api/v4/posts/${row.id}`, { token: member.token });
  assert.is(mm.body.props.from_webhook, 'true');
});

test("Slack's payload= form and multipart fields", async () => {
  const hook = await newHook();
  const form = new URLSearchParams({ payload: JSON.stringify({ text: 'from a form <https://ci.example.com/1|build 1> <!channel>' }) });
  const res = await post(hook.id, form.toString(), 'application/x-www-form-urlencoded');
  assert.is(res.status, 200, await res.clone().text());
  const row = await lastPost(alerts.id);
  assert.is(row.message, 'from a form [build 1](https://ci.example.com/1) @channel');
  assert.is(row.mention_channel, true);

  const fd = new FormData();
  fd.set('text', 'multipart text');
  const res2 = await fetch(`${base}/hooks/${hook.id}`, { method: 'POST', body: fd });
  assert.is(res2.status, 200, await res2.clone().text());
  assert.is((await lastPost(alerts.id)).message, 'multipart text');
});

test('Slack attachments with fields, colours and titles become a slack_attachment post', async () => {
  const hook = await newHook();
  const body = {
    username: 'alertmanager',
    attachments: [
      {
        fallback: '[FIRING:1] HighLatency',
        color: '#FF0000',
        pretext: 'Alert <!here>',
        title: '[FIRING:1] HighLatency',
        title_link: 'https://grafana.example.com/alerting/1',
        text: 'p99 above 2 s on <https://grafana.example.com/d/api|api>',
        fields: [
          { title: 'severity', value: 'critical', short: true },
          { title: 'instance', value: 'api-1', short: true },
        ],
        footer: 'Prometheus',
        ts: 1700000000,
        unknown_field: 'dropped',
      },
    ],
  };
  const res = await post(hook.id, JSON.stringify(body), 'application/json');
  assert.is(res.status, 200, await res.clone().text());
  const row = await lastPost(alerts.id);
  assert.is(row.type, 'slack_attachment');
  assert.is(row.message, '');
  const [a] = row.props.attachments;
  assert.is(a.color, '#FF0000');
  assert.is(a.title, '[FIRING:1] HighLatency');
  assert.is(a.title_link, 'https://grafana.example.com/alerting/1');
  assert.is(a.pretext, 'Alert @here');
  assert.is(a.text, 'p99 above 2 s on [api](https://grafana.example.com/d/api)');
  assert.equal(a.fields, [
    { title: 'severity', value: 'critical', short: true },
    { title: 'instance', value: 'api-1', short: true },
  ]);
  assert.is(a.ts, 1700000000);
  assert.is(a.unknown_field, undefined);
  const mm = await t.req('GET', `/api/v4/posts/${row.id}`, { token: lead.token });
  assert.is(mm.body.type, 'slack_attachment');
  assert.is(mm.body.props.attachments[0].fields.length, 2);
});

test('null fields are absent, as Mattermost reads them: {"text": null, "attachments": [...]} posts the attachments', async () => {
  const hook = await newHook();
  const body = { text: null, channel: null, username: null, icon_url: null, icon_emoji: null, type: null, props: null, attachments: [{ color: '#36a64f', text: 'deploy finished', fields: null }] };
  const res = await post(hook.id, JSON.stringify(body), 'application/json');
  assert.is(res.status, 200, await res.clone().text());
  const row = await lastPost(alerts.id);
  assert.is(row.type, 'slack_attachment');
  assert.is(row.props.attachments[0].text, 'deploy finished');
  const res2 = await post(hook.id, JSON.stringify({ text: 'plain', attachments: null }), 'application/json');
  assert.is(res2.status, 200, await res2.clone().text());
  assert.is((await lastPost(alerts.id)).message, 'plain');
  // Only null is forgiven: a wrong type is still a parse error.
  const bad = await post(hook.id, JSON.stringify({ text: 5 }), 'application/json');
  assert.is(bad.status, 400);
  assert.is((await bad.json()).id, 'web.incoming_webhook.parse.app_error');
});

test('username and icon overrides only when the settings allow them', async () => {
  const hook = await newHook({ username: 'hookname' });
  await post(hook.id, JSON.stringify({ text: 'a', username: 'jenkins', icon_url: 'https://ci.example.com/icon.png' }), 'application/json');
  let row = await lastPost(alerts.id);
  assert.is(row.props.override_username, undefined);
  assert.is(row.props.override_icon_url, undefined);
  await settings({ enable_post_username_override: true, enable_post_icon_override: true });
  await post(hook.id, JSON.stringify({ text: 'b', username: 'jenkins', icon_url: 'https://ci.example.com/icon.png' }), 'application/json');
  row = await lastPost(alerts.id);
  assert.is(row.props.override_username, 'jenkins');
  assert.is(row.props.override_icon_url, 'https://ci.example.com/icon.png');
  await post(hook.id, JSON.stringify({ text: 'c' }), 'application/json');
  assert.is((await lastPost(alerts.id)).props.override_username, 'hookname', "the hook's own username when the payload has none");
  // Reserved props in the payload are not taken from it.
  await post(hook.id, JSON.stringify({ text: 'd', props: { from_bot: 'true', card: 'x', override_username: 'evil' } }), 'application/json');
  row = await lastPost(alerts.id);
  assert.is(row.props.from_bot, undefined);
  assert.is(row.props.card, 'x');
  assert.is(row.props.override_username, 'hookname');
});

test("type: a custom_ post type is kept (on both APIs), with the payload's props; a system type is refused and nothing posted", async () => {
  const hook = await newHook();
  const res = await post(hook.id, JSON.stringify({ text: 'deployed v2', type: 'custom_deploy', props: { version: '2.0' } }), 'application/json');
  assert.is(res.status, 200);
  const row = await lastPost(alerts.id);
  assert.is(row.message, 'deployed v2');
  assert.is(row.type, 'custom_deploy');
  assert.is(row.props.version, '2.0');
  const mm = await t.req('GET', `/api/v4/posts/${row.id}`, { token: member.token });
  assert.is(mm.body.type, 'custom_deploy');
  assert.is(mm.body.props.version, '2.0');
  const v1 = await t.req('GET', `/api/v1/posts/${row.id}`, { token: member.token });
  assert.is(v1.body.type, 'custom_deploy');
  const refused = await post(hook.id, JSON.stringify({ text: 'x', type: 'system_header_change' }), 'application/json');
  assert.is(refused.status, 400);
  assert.is((await lastPost(alerts.id)).id, row.id, 'nothing posted');
});

test('channel override: by name, #name and @user; a locked hook refuses other channels', async () => {
  const hook = await newHook();
  assert.is((await post(hook.id, JSON.stringify({ text: 'to deploys', channel: 'deploys' }))).status, 200);
  assert.is((await lastPost(other.id)).message, 'to deploys');
  assert.is((await post(hook.id, JSON.stringify({ text: 'hash', channel: '#deploys' }))).status, 200);
  assert.is((await lastPost(other.id)).message, 'hash');
  const dm = await post(hook.id, JSON.stringify({ text: 'psst', channel: `@${member.username}` }));
  assert.is(dm.status, 200, await dm.clone().text());
  const dmRow = (await t.deps.db.query<any>(`select p.* from posts p join channels c on c.id = p.channel_id where c.type = 'D' and p.message = 'psst'`))[0];
  assert.ok(dmRow);
  // Not a member of the private channel: refused.
  const priv = await post(hook.id, JSON.stringify({ text: 'no', channel: 'secret' }));
  assert.is(priv.status, 403);
  const missing = await post(hook.id, JSON.stringify({ text: 'no', channel: 'nowhere' }));
  assert.is(missing.status, 404);
  assert.is((await missing.json()).id, 'web.incoming_webhook.channel.app_error');
  assert.is((await post(hook.id, JSON.stringify({ text: 'no', channel: '@nobody-here' }))).status, 400);

  const locked = await newHook({ channel_locked: true });
  const refused = await post(locked.id, JSON.stringify({ text: 'no', channel: 'deploys' }));
  assert.is(refused.status, 403);
  const err = await refused.json();
  assert.is(err.id, 'web.incoming_webhook.channel_locked.app_error');
  assert.is(err.status_code, 403);
  assert.is((await post(locked.id, JSON.stringify({ text: 'own channel', channel: 'alerts' }))).status, 200);
});

test('errors: unknown hook, bad payloads, missing text, disabled; Mattermost shape, no stack', async () => {
  const hook = await newHook();
  const unknown = await post('abcdefghijklmnopqrstuvwxyz', JSON.stringify({ text: 'x' }));
  assert.is(unknown.status, 400);
  const ub = await unknown.json();
  assert.is(ub.id, 'web.incoming_webhook.invalid.app_error');
  assert.is(unknown.headers.get('content-type'), 'application/json');
  assert.is((await post('short', JSON.stringify({ text: 'x' }))).status, 400);
  const notJson = await post(hook.id, '{nope', 'application/json');
  assert.is(notJson.status, 400);
  assert.is((await notJson.json()).id, 'web.incoming_webhook.parse.app_error');
  const empty = await post(hook.id, JSON.stringify({ text: '' }));
  assert.is(empty.status, 400);
  assert.is((await empty.json()).id, 'web.incoming_webhook.text.app_error');
  assert.is((await post(hook.id, JSON.stringify({ text: 1 }))).status, 400);
  assert.is((await post(hook.id, JSON.stringify({ attachments: 'x' }))).status, 400);
  assert.is((await post(hook.id, JSON.stringify({ text: 'x', type: 'system_join_channel' }))).status, 400);
  const nul = await post(hook.id, JSON.stringify({ text: 'a\u0000b' }));
  assert.is(nul.status, 400);
  const big = await post(hook.id, JSON.stringify({ text: 'x'.repeat(2 * 1024 * 1024) }));
  assert.is(big.status, 413);
  assert.not.match(await big.text(), /at |Error:/);
  await settings({ enable_incoming_webhooks: false });
  const off = await post(hook.id, JSON.stringify({ text: 'x' }));
  assert.is(off.status, 501);
  assert.is((await off.json()).id, 'web.incoming_webhook.disabled.app_error');
});

test('a long text is split into several posts', async () => {
  const hook = await newHook();
  const line = 'y'.repeat(99) + '\n';
  const res = await post(hook.id, JSON.stringify({ text: line.repeat(200) }));
  assert.is(res.status, 200);
  const rows = await t.deps.db.query<any>('select message from posts where channel_id = $1 order by seq desc limit 2', [alerts.id]);
  assert.is(rows[1].message.length, 16_300);
  assert.is(rows[0].message.length, 20_000 - 16_300);
});

test('rate limit per hook: 429 with Retry-After, other hooks unaffected', async () => {
  await settings({ incoming_webhook_rate_per_minute: 3 });
  const a = await newHook();
  const b = await newHook();
  for (let i = 0; i < 3; i++) assert.is((await post(a.id, JSON.stringify({ text: `n${i}` }))).status, 200);
  const limited = await post(a.id, JSON.stringify({ text: 'too many' }));
  assert.is(limited.status, 429);
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.is((await limited.json()).id, 'api.context.rate_limit.app_error');
  assert.is((await post(b.id, JSON.stringify({ text: 'other hook' }))).status, 200);
});

test('management: who may create, list, update and delete (v1 and v4)', async () => {
  // Plain members may not, unless the setting allows it (then only their own hooks).
  const denied = await t.req('POST', '/api/v1/hooks/incoming', { token: member.token, body: { channel_id: alerts.id } });
  assert.is(denied.status, 403);
  await settings({ members_manage_integrations: true });
  const own = await newHook({ display_name: 'mine' }, member.token);
  const leads = await newHook({ display_name: 'lead' });
  const mine = await t.req('GET', `/api/v1/hooks/incoming?team_id=${team.id}`, { token: member.token });
  assert.equal(mine.body.items.map((h: any) => h.id), [own.id]);
  assert.is((await t.req('GET', `/api/v1/hooks/incoming/${leads.id}`, { token: member.token })).status, 404);
  const all = await t.req('GET', `/api/v1/hooks/incoming?team_id=${team.id}`, { token: lead.token });
  assert.ok(all.body.items.some((h: any) => h.id === own.id) && all.body.items.some((h: any) => h.id === leads.id));
  // A member cannot make a hook for a private channel they are not in.
  assert.is((await t.req('POST', '/api/v1/hooks/incoming', { token: lead.token, body: { channel_id: secret.id } })).status, 403);
  // An outsider sees nothing.
  const outsider = await fxUser(t.deps);
  assert.is((await t.req('GET', `/api/v1/hooks/incoming?team_id=${team.id}`, { token: outsider.token })).status, 403);
  // Bad input.
  assert.is((await t.req('POST', '/api/v1/hooks/incoming', { token: lead.token, body: { channel_id: 'x' } })).body.error.code, 'invalid_input');
  assert.is((await t.req('POST', '/api/v1/hooks/incoming', { token: lead.token, body: { channel_id: alerts.id, icon_url: 'javascript:alert(1)' } })).body.error.code, 'invalid_input');

  const upd = await t.req('PATCH', `/api/v1/hooks/incoming/${own.id}`, { token: member.token, body: { display_name: 'renamed', channel_locked: true } });
  assert.is(upd.status, 200);
  assert.is(upd.body.display_name, 'renamed');
  assert.is(upd.body.channel_locked, true);
  assert.is((await t.req('DELETE', `/api/v1/hooks/incoming/${own.id}`, { token: member.token })).status, 204);
  assert.is((await post(own.id, JSON.stringify({ text: 'gone' }))).status, 400, 'a deleted hook no longer posts');

  // Mattermost routes.
  const c = await t.req('POST', '/api/v4/hooks/incoming', { token: lead.token, body: { channel_id: alerts.id, display_name: 'mm', description: 'd' } });
  assert.is(c.status, 201);
  assert.is(c.body.user_id, lead.id);
  assert.is(c.body.team_id, team.id);
  assert.is(c.headers.get('content-type'), 'application/json');
  const list = await t.req('GET', `/api/v4/hooks/incoming?team_id=${team.id}&page=0&per_page=100`, { token: lead.token });
  assert.ok(list.body.some((h: any) => h.id === c.body.id));
  const put = await t.req('PUT', `/api/v4/hooks/incoming/${c.body.id}`, { token: lead.token, body: { ...c.body, display_name: 'mm2', channel_id: other.id } });
  assert.is(put.status, 200);
  assert.is(put.body.display_name, 'mm2');
  assert.is(put.body.channel_id, other.id);
  assert.equal((await t.req('DELETE', `/api/v4/hooks/incoming/${c.body.id}`, { token: lead.token })).body, { status: 'OK' });
  assert.is((await t.req('GET', `/api/v4/hooks/incoming/${c.body.id}`, { token: lead.token })).status, 404);
  const audit = await t.deps.db.query<any>(`select action from audit_log where target_id = $1 order by id`, [c.body.id]);
  assert.equal(audit.map((a) => a.action), ['webhook_create', 'webhook_update', 'webhook_delete']);
});

test("the creator need not be in an open channel (Mattermost's rule); a private one needs membership", async () => {
  // A system admin outside the team makes a hook for a public channel: it posts there.
  const h = await newHook({ display_name: 'admin hook' }, admin.token);
  const r = await post(h.id, JSON.stringify({ text: 'from outside' }), 'application/json');
  assert.is(r.status, 200, await r.text());
  const p = await lastPost(alerts.id);
  assert.is(p.message, 'from outside');
  assert.is(p.user_id, admin.id);
  assert.not.ok((await t.deps.db.query('select 1 from channel_members where channel_id = $1 and user_id = $2', [alerts.id, admin.id])).length, 'not made a member');
  // Another public channel by name: fine; a private one it is not in: refused, nothing posted.
  assert.is((await post(h.id, JSON.stringify({ text: 'to deploys', channel: 'deploys' }), 'application/json')).status, 200);
  assert.is((await lastPost(other.id)).message, 'to deploys');
  const before = await lastPost(secret.id);
  const priv = await post(h.id, JSON.stringify({ text: 'to secret', channel: 'secret' }), 'application/json');
  assert.is(priv.status, 403);
  assert.equal(await lastPost(secret.id), before);
  await t.req('DELETE', `/api/v1/hooks/incoming/${h.id}`, { token: admin.token });
});

test('a deactivated creator’s hook no longer posts', async () => {
  const temp = await fxUser(t.deps);
  await t.deps.db.query(`insert into team_members (team_id, user_id, role, create_at) values ($1, $2, 'team_admin', 0) on conflict do nothing`, [team.id, temp.id]);
  await fxJoin(t.deps, alerts.id, temp);
  const hook = await newHook({}, temp.token);
  await t.req('PATCH', `/api/v1/admin/users/${temp.id}`, { token: admin.token, body: { active: false } });
  const res = await post(hook.id, JSON.stringify({ text: 'x' }));
  assert.is(res.status, 403);
  assert.is((await res.json()).id, 'web.incoming_webhook.user.app_error');
});

test("a creator who left the team no longer posts through their hooks (native leave, v4 removal); Mattermost's permissions error", async () => {
  for (const how of ['native', 'v4'] as const) {
    const temp = await fxUser(t.deps);
    await t.deps.db.query(`insert into team_members (team_id, user_id, role, create_at) values ($1, $2, 'team_admin', 0)`, [team.id, temp.id]);
    await fxJoin(t.deps, alerts.id, temp);
    await fxJoin(t.deps, secret.id, temp);
    const hook = await newHook({}, temp.token);
    assert.is((await post(hook.id, JSON.stringify({ text: `before ${how}` }))).status, 200);
    if (how === 'native') assert.is((await t.req('POST', `/api/v1/teams/${team.id}/leave`, { token: temp.token })).status, 200);
    else assert.is((await t.req('DELETE', `/api/v4/teams/${team.id}/members/${temp.id}`, { token: lead.token })).status, 200);
    const before = [await lastPost(alerts.id), await lastPost(other.id), await lastPost(secret.id)];
    // Its own (public) channel, another public one by name, a private one it was in: all refused.
    for (const body of [{ text: 'after' }, { text: 'after', channel: 'deploys' }, { text: 'after', channel: 'secret' }]) {
      const res = await post(hook.id, JSON.stringify(body), 'application/json');
      assert.is(res.status, 403, `${how} ${JSON.stringify(body)}`);
      const err = await res.json();
      assert.is(err.id, 'web.incoming_webhook.permissions.app_error');
      assert.is(err.status_code, 403);
    }
    assert.equal([await lastPost(alerts.id), await lastPost(other.id), await lastPost(secret.id)], before, 'nothing posted');
    // Back in the team (and the channel), the same hook works again.
    await t.deps.db.query(`insert into team_members (team_id, user_id, role, create_at) values ($1, $2, 'team_user', 0)`, [team.id, temp.id]);
    assert.is((await post(hook.id, JSON.stringify({ text: 'rejoined' }))).status, 200);
    assert.is((await lastPost(alerts.id)).message, 'rejoined');
  }
});

test.after(async () => {
  await new Promise((r) => server.close(r));
  await t.close();
});
test.run();
