/**
 * Outgoing webhooks round trip with a real receiver started here: a post whose first word is a
 * trigger word (or any post in the hook's channel) reaches the receiver with Mattermost's
 * payload and the hook's token, form-encoded or JSON; the receiver's JSON answer is posted back
 * (as a thread reply for response_type "comment"). Without the allow-list the same receiver, on
 * loopback, gets nothing. Retries are bounded (one on a 5xx or a failed connection; none after a
 * timeout). Management on /api/v1 and /api/v4, token regeneration.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp } from '../../../test/app.ts';
import { fxChannel, fxTeam, fxUser } from '../../../test/fixtures.ts';
import { startReceiver, waitFor } from '../../../test/receiver.ts';

const t = await testApp({ config: { 'integrations.allowed_internal_hosts': '127.0.0.1', 'integrations.request_timeout_seconds': 5 } });
const rx = await startReceiver();
let answer: unknown = { text: 'on it', response_type: 'comment', username: 'deploybot' };
rx.handler = (_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(answer));
};

const admin = await fxUser(t.deps, { admin: true });
const lead = await fxUser(t.deps);
const dev = await fxUser(t.deps);
const team = await fxTeam(t.deps, lead, { members: [dev] });
const ops = await fxChannel(t.deps, team.id, lead, { name: 'ops', members: [dev] });
const feed = await fxChannel(t.deps, team.id, lead, { name: 'feed', members: [dev] });
const priv = await fxChannel(t.deps, team.id, lead, { type: 'P', name: 'private', members: [dev] });

const say = async (channelId: string, message: string, token = dev.token) => {
  const r = await t.req('POST', `/api/v1/channels/${channelId}/posts`, { token, body: { message } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body;
};
const repliesTo = (postId: string) => t.deps.db.query<any>(`select * from posts where root_id = $1 order by seq`, [postId]);
async function hook(body: Record<string, unknown>) {
  const r = await t.req('POST', '/api/v1/hooks/outgoing', { token: lead.token, body: { team_id: team.id, callback_urls: [`${rx.url}/hook`], display_name: 'deployer', ...body } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

test('trigger word → form-encoded payload with the token → the answer is posted as a thread reply', async () => {
  const h = await hook({ trigger_words: ['deploy', '!ship'] });
  assert.match(h.token, /^[a-z0-9]{26}$/);
  const before = rx.requests.length;
  const p = await say(ops.id, 'deploy api to production');
  const req = await waitFor(() => rx.requests[before], 'the receiver to be called');
  assert.is(req.method, 'POST');
  assert.is(req.headers['content-type'], 'application/x-www-form-urlencoded');
  const form = Object.fromEntries(new URLSearchParams(req.body));
  assert.equal(form, {
    token: h.token,
    team_id: team.id,
    team_domain: team.name,
    channel_id: ops.id,
    channel_name: 'ops',
    timestamp: String(Math.floor(p.create_at / 1000)), // seconds in the form, as Mattermost sends it
    user_id: dev.id,
    user_name: dev.username,
    post_id: p.id,
    text: 'deploy api to production',
    trigger_word: 'deploy',
    file_ids: '',
  });
  const [reply] = await waitFor(() => repliesTo(p.id).then((r) => (r.length ? r : undefined)), 'the answer to be posted');
  assert.is(reply.message, 'on it');
  assert.is(reply.user_id, lead.id, "posted as the hook's creator");
  assert.is(reply.props.from_webhook, 'true');
  assert.is(reply.props.webhook_display_name, 'deployer');
  // The answer is from a webhook, so it does not fire hooks again (no loop).
  await new Promise((r) => setTimeout(r, 200));
  assert.is(rx.requests.length, before + 1);
  await t.req('DELETE', `/api/v1/hooks/outgoing/${h.id}`, { token: lead.token });
});

test('no match, other first words and private channels never fire', async () => {
  const h = await hook({ trigger_words: ['deploy'] });
  const before = rx.requests.length;
  await say(ops.id, 'please deploy later');
  await say(ops.id, 'deployment is done');
  await say(priv.id, 'deploy secretly');
  // A channel hook in another channel does not see these either; wait for it to prove the quiet.
  const marker = await hook({ channel_id: feed.id, trigger_words: [] });
  await say(feed.id, 'marker');
  await waitFor(() => rx.requests.length > before, 'the marker hook');
  assert.is(rx.requests.length, before + 1);
  assert.is(new URLSearchParams(rx.requests.at(-1)!.body).get('text'), 'marker');
  for (const x of [h, marker]) await t.req('DELETE', `/api/v1/hooks/outgoing/${x.id}`, { token: lead.token });
});

test('starts-with triggers, JSON content type, channel answer with attachments', async () => {
  answer = { text: 'status: green', attachments: [{ color: '#00FF00', title: 'all good', fields: [{ title: 'db', value: 'ok', short: true }] }] };
  const h = await hook({ trigger_words: ['stat'], trigger_when: 1, content_type: 'application/json', channel_id: ops.id });
  const before = rx.requests.length;
  const p = await say(ops.id, 'status?');
  const req = await waitFor(() => rx.requests[before], 'the receiver');
  assert.is(req.headers['content-type'], 'application/json');
  const body = JSON.parse(req.body);
  assert.is(body.trigger_word, 'stat');
  assert.is(body.token, h.token);
  // Mattermost's JSON payload: timestamp a number of milliseconds, file_ids one string (a Go
  // receiver decoding into Mattermost's OutgoingWebhookPayload fails on anything else).
  assert.is(body.timestamp, p.create_at);
  assert.is(body.file_ids, '');
  const row = await waitFor(async () => (await t.deps.db.query<any>(`select * from posts where channel_id = $1 and message = 'status: green'`, [ops.id]))[0], 'the channel answer');
  assert.is(row.root_id, '', 'response_type post (default) answers in the channel');
  assert.is(row.type, 'slack_attachment');
  assert.is(row.props.attachments[0].fields[0].value, 'ok');
  assert.ok(row.create_at >= p.create_at);
  await t.req('DELETE', `/api/v1/hooks/outgoing/${h.id}`, { token: lead.token });
  answer = { text: 'on it', response_type: 'comment' };
});

test('an answer with null fields is read as Mattermost reads it (null is absent): attachments with "text": null are posted', async () => {
  answer = { text: null, response_type: null, username: null, icon_url: null, type: null, props: null, attachments: [{ text: 'from a Python service' }] };
  const h = await hook({ trigger_words: ['nullish'] });
  const p = await say(ops.id, 'nullish please');
  const row = await waitFor(async () => (await t.deps.db.query<any>(`select * from posts where channel_id = $1 and create_at >= $2 and props->>'from_webhook' = 'true' order by seq desc`, [ops.id, p.create_at]))[0], 'the answer to be posted');
  assert.is(row.type, 'slack_attachment');
  assert.is(row.root_id, '');
  assert.is(row.props.attachments[0].text, 'from a Python service');
  await t.req('DELETE', `/api/v1/hooks/outgoing/${h.id}`, { token: lead.token });
  answer = { text: 'on it', response_type: 'comment' };
});

test('retries are bounded: a 5xx is retried once, then given up; a second try that succeeds is posted; a timeout is not retried', async () => {
  const flaky = await startReceiver();
  const warnings: any[] = [];
  const log = t.deps.log;
  t.deps.log = { ...log, warn: (msg: string, f?: any) => warnings.push({ msg, ...f }) } as any;
  try {
    // Always 500: two requests (the first and one retry), nothing posted, one warning.
    flaky.handler = (_q, res) => res.writeHead(500).end('down');
    const h = await t.req('POST', '/api/v1/hooks/outgoing', { token: lead.token, body: { team_id: team.id, trigger_words: ['flaky'], callback_urls: [`${flaky.url}/x`] } });
    assert.is(h.status, 201, JSON.stringify(h.body));
    const p1 = await say(ops.id, 'flaky one');
    await waitFor(() => warnings.find((w) => w.msg === 'outgoing webhook answered with an error'), 'the hook to give up');
    assert.is(warnings.find((w) => w.msg === 'outgoing webhook answered with an error').status, 500);
    assert.is(flaky.requests.length, 2, 'the first request and exactly one retry');
    assert.is((await repliesTo(p1.id)).length, 0, 'nothing posted');
    assert.is((await t.deps.db.query<any>(`select 1 from posts where channel_id = $1 and message = 'recovered'`, [ops.id])).length, 0);

    // 500 once, then an answer: the retry's answer is posted.
    let calls = 0;
    flaky.handler = (_q, res) => (calls++ === 0 ? res.writeHead(502).end() : res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text: 'recovered' })));
    const before = flaky.requests.length;
    await say(ops.id, 'flaky two');
    await waitFor(async () => (await t.deps.db.query<any>(`select 1 from posts where channel_id = $1 and message = 'recovered'`, [ops.id]))[0], 'the retried answer to be posted');
    assert.is(flaky.requests.length, before + 2);

    // No answer at all: refused after integrations.request_timeout_seconds (5 s here), not retried.
    flaky.handler = () => {};
    const slowBefore = flaky.requests.length;
    warnings.length = 0;
    await say(ops.id, 'flaky three');
    await waitFor(() => warnings.find((w) => w.msg === 'outgoing webhook request failed'), 'the request to time out', 15_000);
    assert.is(warnings.find((w) => w.msg === 'outgoing webhook request failed').code, 'timeout');
    assert.is(flaky.requests.length, slowBefore + 1, 'a timeout is not retried');
    await t.req('DELETE', `/api/v1/hooks/outgoing/${h.body.id}`, { token: lead.token });
  } finally {
    t.deps.log = log;
    await flaky.close();
  }
});

test('without the allow-list, a hook pointing at loopback is never called', async () => {
  const t2 = await testApp();
  try {
    const lead2 = await fxUser(t2.deps);
    const team2 = await fxTeam(t2.deps, lead2);
    const ch2 = await fxChannel(t2.deps, team2.id, lead2, { name: 'ops' });
    const internal = await startReceiver();
    const warnings: any[] = [];
    t2.deps.log = { ...t2.deps.log, warn: (msg: string, f?: any) => warnings.push({ msg, ...f }) } as any;
    const h = await t2.req('POST', '/api/v1/hooks/outgoing', { token: lead2.token, body: { team_id: team2.id, trigger_words: ['go'], callback_urls: [`${internal.url}/x`, 'http://169.254.169.254/latest/meta-data/'] } });
    assert.is(h.status, 201);
    const r = await t2.req('POST', `/api/v1/channels/${ch2.id}/posts`, { token: lead2.token, body: { message: 'go now' } });
    assert.is(r.status, 201);
    await waitFor(() => warnings.filter((w) => w.code === 'forbidden_address').length === 2, 'both refusals to be logged');
    assert.is(internal.requests.length, 0);
    await internal.close();
  } finally {
    await t2.close();
  }
});

test('a hook whose creator left the team or was deactivated is not fired: the channel is not sent to their URL', async () => {
  const warnings: any[] = [];
  const warn = t.deps.log.warn;
  t.deps.log = { ...t.deps.log, warn: (msg: string, f?: any) => warnings.push({ msg, ...f }) } as any;
  try {
    for (const how of ['left', 'deactivated'] as const) {
      const temp = await fxUser(t.deps);
      await t.deps.db.query(`insert into team_members (team_id, user_id, role, create_at) values ($1, $2, 'team_admin', 0)`, [team.id, temp.id]);
      const r = await t.req('POST', '/api/v1/hooks/outgoing', { token: temp.token, body: { team_id: team.id, trigger_words: [`leak-${how}`], callback_urls: [`${rx.url}/${how}`] } });
      assert.is(r.status, 201, JSON.stringify(r.body));
      const calls = () => rx.requests.filter((q) => q.url === `/${how}`).length;
      await say(ops.id, `leak-${how} one`);
      await waitFor(() => calls() === 1, 'the hook to fire while its creator is in the team');
      if (how === 'left') assert.is((await t.req('POST', `/api/v1/teams/${team.id}/leave`, { token: temp.token })).status, 200);
      else assert.is((await t.req('PATCH', `/api/v1/admin/users/${temp.id}`, { token: admin.token, body: { active: false } })).status, 200);
      const p = await say(ops.id, `leak-${how} two`);
      await waitFor(() => warnings.some((w) => w.hook_id === r.body.id && w.msg.includes('not fired')), 'the skip to be logged');
      await new Promise((res) => setTimeout(res, 100));
      assert.is(calls(), 1, `${how}: the receiver got nothing`);
      assert.is((await repliesTo(p.id)).length, 0);
    }
  } finally {
    t.deps.log = { ...t.deps.log, warn };
  }
});

test('management: rules, v4 routes, regenerate token, who may see them', async () => {
  const bad = await t.req('POST', '/api/v1/hooks/outgoing', { token: lead.token, body: { team_id: team.id, callback_urls: [`${rx.url}/x`] } });
  assert.is(bad.status, 400);
  assert.is(bad.body.error.code, 'triggers_required');
  const privHook = await t.req('POST', '/api/v1/hooks/outgoing', { token: lead.token, body: { team_id: team.id, channel_id: priv.id, callback_urls: [`${rx.url}/x`] } });
  assert.is(privHook.status, 403);
  const noUrl = await t.req('POST', '/api/v1/hooks/outgoing', { token: lead.token, body: { team_id: team.id, trigger_words: ['x'], callback_urls: ['ftp://x'] } });
  assert.is(noUrl.body.error.code, 'invalid_input');
  assert.is((await t.req('POST', '/api/v1/hooks/outgoing', { token: dev.token, body: { team_id: team.id, trigger_words: ['x'], callback_urls: [`${rx.url}/x`] } })).status, 403, 'plain members may not');

  const c = await t.req('POST', '/api/v4/hooks/outgoing', { token: lead.token, body: { team_id: team.id, trigger_words: ['build'], callback_urls: [`${rx.url}/b`], display_name: 'mm', content_type: 'application/json' } });
  assert.is(c.status, 201);
  assert.is(c.body.creator_id, lead.id);
  assert.equal(c.body.trigger_words, ['build']);
  const list = await t.req('GET', `/api/v4/hooks/outgoing?team_id=${team.id}`, { token: lead.token });
  assert.ok(list.body.some((h: any) => h.id === c.body.id));
  const regen = await t.req('POST', `/api/v4/hooks/outgoing/${c.body.id}/regen_token`, { token: lead.token });
  assert.is(regen.status, 200);
  assert.is.not(regen.body.token, c.body.token);
  const put = await t.req('PUT', `/api/v4/hooks/outgoing/${c.body.id}`, { token: lead.token, body: { ...c.body, trigger_words: ['build', 'rebuild'], trigger_when: 1 } });
  assert.is(put.status, 200);
  assert.equal(put.body.trigger_words, ['build', 'rebuild']);
  assert.is(put.body.token, regen.body.token);
  assert.is((await t.req('GET', `/api/v4/hooks/outgoing/${c.body.id}`, { token: dev.token })).status, 404, 'not manageable by a plain member');
  assert.is((await t.req('GET', `/api/v1/hooks/outgoing?team_id=${team.id}`, { token: admin.token })).body.items.length >= 1, true);
  assert.equal((await t.req('DELETE', `/api/v4/hooks/outgoing/${c.body.id}`, { token: lead.token })).body, { status: 'OK' });
  await t.req('PATCH', '/api/v1/admin/integration-settings', { token: admin.token, body: { enable_outgoing_webhooks: false } });
  const off = await t.req('GET', `/api/v4/hooks/outgoing?team_id=${team.id}`, { token: lead.token });
  assert.is(off.status, 501);
  await t.req('PATCH', '/api/v1/admin/integration-settings', { token: admin.token, body: { enable_outgoing_webhooks: null } });
});

test.after(async () => {
  await rx.close();
  await t.close();
});
test.run();
