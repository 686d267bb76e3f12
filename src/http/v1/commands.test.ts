/**
 * Slash commands: every built-in with its effect checked, ephemeral answers delivered to the
 * caller alone and never stored, custom commands round trip against a real receiver started
 * here (POST and GET, ephemeral and in_channel, extra_responses, goto_location), refusal of
 * loopback without the allow-list, autocomplete, and the Mattermost routes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, only } from '../../../test/app.ts';
import { fxChannel, fxTeam, fxUser } from '../../../test/fixtures.ts';
import { startReceiver } from '../../../test/receiver.ts';

const t = await testApp({ config: { 'integrations.allowed_internal_hosts': '127.0.0.1' } });
const rx = await startReceiver();
let reply: { type: string; body: string } = { type: 'application/json', body: '{}' };
rx.handler = (_req, res) => {
  res.setHeader('content-type', reply.type);
  res.end(reply.body);
};

const lead = await fxUser(t.deps);
const dev = await fxUser(t.deps);
const carol = await fxUser(t.deps);
const team = await fxTeam(t.deps, lead, { members: [dev, carol] });
const general = await fxChannel(t.deps, team.id, lead, { name: 'general', members: [dev] });
const random = await fxChannel(t.deps, team.id, lead, { name: 'random' });

const run = (command: string, token = dev.token, channelId = general.id, extra: Record<string, unknown> = {}) =>
  t.req('POST', '/api/v1/commands/execute', { token, body: { command, channel_id: channelId, ...extra } });
const last = async (channelId: string) => (await t.deps.db.query<any>('select * from posts where channel_id = $1 order by seq desc limit 1', [channelId]))[0];
const ephemerals = () => only(t.takeEvents(), 'ephemeral_message');

test('/me, /shrug and /code post as the caller; /echo answers only the caller and stores nothing', async () => {
  assert.is((await run('/me waves')).status, 200);
  let row = await last(general.id);
  assert.is(row.message, '*waves*');
  assert.is(row.type, 'me');
  assert.is(row.user_id, dev.id);
  await run('/shrug oh well');
  assert.is((await last(general.id)).message, 'oh well ¯\\\\\\_(ツ)\\_/¯');
  await run('/code let x = 1;');
  assert.is((await last(general.id)).message, '```\nlet x = 1;\n```');
  t.takeEvents();
  const before = (await t.deps.db.query<any>('select count(*)::int as n from posts'))[0].n;
  const echo = await run('/echo hello there');
  assert.is(echo.body.response_type, 'ephemeral');
  assert.is(echo.body.text, 'hello there');
  const [ev] = ephemerals();
  assert.equal(ev.broadcast.user_ids, [dev.id], 'only the caller');
  assert.is(ev.data.post.message, 'hello there');
  assert.is(ev.data.post.type, 'system_ephemeral');
  assert.is(ev.data.post.channel_id, general.id);
  assert.is((await t.deps.db.query<any>('select count(*)::int as n from posts'))[0].n, before, 'never stored');
  assert.is((await t.deps.db.query('select 1 from posts where id = $1', [ev.data.post.id])).length, 0);
  assert.is((await run('/me')).status, 400, 'empty /me');
});

test('status commands set the caller’s status', async () => {
  for (const [cmd, status] of [['/away', 'away'], ['/dnd', 'dnd'], ['/offline', 'offline'], ['/online', 'online']] as const) {
    const r = await run(cmd);
    assert.is(r.status, 200);
    const s = await t.req('GET', '/api/v1/users/me/status', { token: dev.token });
    assert.is(s.body.status, status, cmd);
    assert.is(s.body.manual, status !== 'online');
  }
});

test('/join, /leave, /invite, /kick, /msg', async () => {
  const join = await run('/join ~random');
  assert.is(join.status, 200);
  assert.is(join.body.goto_location, `/${team.name}/channels/random`);
  assert.ok((await t.deps.db.query('select 1 from channel_members where channel_id = $1 and user_id = $2', [random.id, dev.id])).length);
  assert.is((await run('/join ~nowhere')).status, 404);
  const leave = await run('/leave', dev.token, random.id);
  assert.is(leave.status, 200);
  assert.is((await t.deps.db.query('select 1 from channel_members where channel_id = $1 and user_id = $2', [random.id, dev.id])).length, 0);

  t.takeEvents();
  const inv = await run(`/invite @${carol.username} ~general`, lead.token);
  assert.is(inv.status, 200);
  assert.match(inv.body.text, /added to ~general/);
  assert.ok((await t.deps.db.query('select 1 from channel_members where channel_id = $1 and user_id = $2', [general.id, carol.id])).length);
  assert.ok(only(t.takeEvents(), 'user_added').length >= 1);
  // A plain member cannot remove others.
  assert.is((await run(`/kick @${carol.username}`, dev.token)).status, 403);
  const kick = await run(`/kick @${carol.username}`, lead.token);
  assert.is(kick.status, 200);
  assert.is((await t.deps.db.query('select 1 from channel_members where channel_id = $1 and user_id = $2', [general.id, carol.id])).length, 0);
  assert.is((await run('/invite @nobody-at-all', lead.token)).status, 404);

  const msg = await run(`/msg @${carol.username} psst`);
  assert.is(msg.status, 200);
  const dm = (await t.deps.db.query<any>(`select p.* from posts p join channels c on c.id = p.channel_id where c.type = 'D' and p.message = 'psst'`))[0];
  assert.is(dm.user_id, dev.id);
  assert.is(msg.body.goto_location, `/${team.name}/messages/@${carol.username}`);
});

test('/header, /purpose, /rename change the channel; /mute toggles notifications; /search finds posts', async () => {
  t.takeEvents();
  assert.is((await run('/header Deploys at 5 **pm**', lead.token)).status, 200);
  assert.is((await run('/purpose Team chat', lead.token)).status, 200);
  assert.is((await run('/rename General Chat', lead.token)).status, 200);
  const ch = (await t.deps.db.query<any>('select * from channels where id = $1', [general.id]))[0];
  assert.is(ch.header, 'Deploys at 5 **pm**');
  assert.is(ch.purpose, 'Team chat');
  assert.is(ch.display_name, 'General Chat');
  assert.ok(only(t.takeEvents(), 'channel_updated').length >= 3);

  assert.match((await run('/mute')).body.text, /muted/);
  let m = (await t.deps.db.query<any>('select notify_props from channel_members where channel_id = $1 and user_id = $2', [general.id, dev.id]))[0];
  assert.is(m.notify_props.mark_unread, 'mention');
  assert.match((await run('/mute ~general')).body.text, /no longer muted/);
  m = (await t.deps.db.query<any>('select notify_props from channel_members where channel_id = $1 and user_id = $2', [general.id, dev.id]))[0];
  assert.is(m.notify_props.mark_unread, 'all');

  await t.req('POST', `/api/v1/channels/${general.id}/posts`, { token: lead.token, body: { message: 'the flamingo report is ready' } });
  const found = await run('/search flamingo');
  assert.match(found.body.text, /flamingo report/);
  assert.match(found.body.text, new RegExp(`/${team.name}/pl/`));
  assert.match((await run('/search zebracorn')).body.text, /No results/);
});

test('/help lists built-ins and the team’s commands; unknown commands are 404; bad input 400', async () => {
  const help = await run('/help');
  assert.match(help.body.text, /\/join ~\[channel\]/);
  assert.match(help.body.text, /\/shrug/);
  const unknown = await run('/nosuchthing');
  assert.is(unknown.status, 404);
  assert.is(unknown.body.error.code, 'command_not_found');
  assert.is((await run('no slash')).status, 400);
  assert.is((await t.req('POST', '/api/v1/commands/execute', { token: dev.token, body: { command: '/echo x', channel_id: 'nope' } })).status, 400);
  // A channel the caller cannot read.
  const priv = await fxChannel(t.deps, team.id, lead, { type: 'P', name: 'secret' });
  assert.is((await run('/echo x', dev.token, priv.id)).status, 403);
});

test('custom command: POST with Mattermost fields and token; ephemeral, in_channel, extra_responses, goto', async () => {
  const c = await t.req('POST', '/api/v1/commands', { token: lead.token, body: { team_id: team.id, trigger: 'weather', url: `${rx.url}/weather`, auto_complete: true, auto_complete_desc: 'Forecast', auto_complete_hint: '[city]', display_name: 'Weather', username: 'weatherbot' } });
  assert.is(c.status, 201, JSON.stringify(c.body));
  reply = { type: 'application/json', body: JSON.stringify({ response_type: 'ephemeral', text: 'Sunny in Oslo', goto_location: 'javascript:alert(1)' }) };
  t.takeEvents();
  const n = rx.requests.length;
  const r = await run('/weather Oslo');
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.text, 'Sunny in Oslo');
  assert.is(r.body.goto_location, '', 'unsafe goto dropped');
  const req = rx.requests[n];
  assert.is(req.method, 'POST');
  assert.is(req.headers.authorization, `Token ${c.body.token}`);
  const f = Object.fromEntries(new URLSearchParams(req.body));
  assert.is(f.token, c.body.token);
  assert.is(f.command, '/weather');
  assert.is(f.text, 'Oslo');
  assert.is(f.channel_id, general.id);
  assert.is(f.channel_name, 'general');
  assert.is(f.team_id, team.id);
  assert.is(f.team_domain, team.name);
  assert.is(f.user_id, dev.id);
  assert.is(f.user_name, dev.username);
  const [ev] = ephemerals();
  assert.is(ev.data.post.message, 'Sunny in Oslo');
  assert.equal(ev.broadcast.user_ids, [dev.id]);

  reply = { type: 'application/json', body: JSON.stringify({ response_type: 'in_channel', text: 'Rain in Bergen', extra_responses: [{ response_type: 'ephemeral', text: 'only you' }], goto_location: '/x/channels/y' }) };
  const r2 = await run('/weather Bergen');
  assert.is(r2.body.goto_location, '/x/channels/y');
  const row = await last(general.id);
  assert.is(row.message, 'Rain in Bergen');
  assert.is(row.user_id, dev.id, 'posted as the caller');
  assert.is(row.props.from_webhook, 'true');
  assert.is(ephemerals().filter((e) => e.data.post.message === 'only you').length, 1);

  // Plain text answers are ephemeral; error statuses become an ephemeral failure text.
  reply = { type: 'text/plain', body: 'plain answer' };
  assert.is((await run('/weather x')).body.text, 'plain answer');
  rx.handler = (_q, res) => res.writeHead(500).end();
  const failed = await run('/weather x');
  assert.is(failed.status, 200);
  assert.match(failed.body.text, /failed: the command's URL answered 500/);
  rx.handler = (_req, res) => {
    res.setHeader('content-type', reply.type);
    res.end(reply.body);
  };

  // GET commands send the fields in the query string.
  const g = await t.req('POST', '/api/v1/commands', { token: lead.token, body: { team_id: team.id, trigger: 'ping', method: 'G', url: `${rx.url}/ping?x=1` } });
  reply = { type: 'application/json', body: JSON.stringify({ text: 'pong' }) };
  const m = rx.requests.length;
  assert.is((await run('/ping now')).body.text, 'pong');
  assert.is(rx.requests[m].method, 'GET');
  const q = new URL(rx.requests[m].url, 'http://x').searchParams;
  assert.is(q.get('x'), '1');
  assert.is(q.get('text'), 'now');
  assert.is(q.get('token'), g.body.token);
});

test('a command answer with null fields (as Python and Java services serialise them) is read as Mattermost reads it: null is absent', async () => {
  const c = await t.req('POST', '/api/v1/commands', { token: lead.token, body: { team_id: team.id, trigger: 'nullish', url: `${rx.url}/nullish` } });
  assert.is(c.status, 201, JSON.stringify(c.body));
  reply = { type: 'application/json', body: JSON.stringify({ response_type: 'in_channel', text: 'deployed', username: null, icon_url: null, type: null, props: null, goto_location: null, attachments: null, extra_responses: null, skip_slack_parsing: null }) };
  const r = await run('/nullish go');
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.text, 'deployed');
  assert.is((await last(general.id)).message, 'deployed');
});

test("response_url: the command's service answers later (in_channel posted as the caller, ephemeral to them alone), 5 times at most, for 30 minutes", async () => {
  const c = await t.req('POST', '/api/v1/commands', { token: lead.token, body: { team_id: team.id, trigger: 'longjob', url: `${rx.url}/longjob` } });
  assert.is(c.status, 201, JSON.stringify(c.body));
  reply = { type: 'application/json', body: JSON.stringify({ text: 'started' }) };
  const n = rx.requests.length;
  assert.is((await t.req('POST', '/api/v4/commands/execute', { token: dev.token, body: { command: '/longjob build', channel_id: general.id } })).body.text, 'started');
  const url = new URLSearchParams(rx.requests[n].body).get('response_url')!;
  assert.match(url, /^https?:\/\/[^/]+\/hooks\/commands\/[a-z0-9]{26}$/);
  const path = new URL(url).pathname;
  const send = (body: unknown, type = 'application/json') => t.req('POST', path, { raw: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': type } });

  t.takeEvents();
  const done = await send({ response_type: 'in_channel', text: 'build finished', attachments: [{ color: 'good', text: 'all green' }] });
  assert.is(done.status, 200, JSON.stringify(done.body));
  const row = await last(general.id);
  assert.is(row.message, 'build finished');
  assert.is(row.user_id, dev.id, 'posted as the user who ran the command');
  assert.is(row.props.from_webhook, 'true');
  assert.is(row.props.attachments[0].text, 'all green');
  assert.is((await send({ text: 'only for you' })).status, 200);
  assert.equal(ephemerals().map((e) => [e.data.post.message, e.broadcast.user_ids]), [['only for you', [dev.id]]]);
  assert.is((await send('plain progress', 'text/plain')).status, 200);
  assert.equal(ephemerals().map((e) => e.data.post.message), ['plain progress']);
  assert.is((await send({ text: 'four' })).status, 200);
  assert.is((await send({ text: 'five' })).status, 200);
  const sixth = await send({ text: 'six' });
  assert.is(sixth.status, 400);
  assert.is(sixth.body.id, 'app.command_webhook.try_use.invalid');
  assert.equal(ephemerals().map((e) => e.data.post.message), ['four', 'five']);

  // Another run: a fresh URL; it expires after 30 minutes. Unknown ids are 404; bad JSON 400.
  const m = rx.requests.length;
  await t.req('POST', '/api/v4/commands/execute', { token: dev.token, body: { command: '/longjob again', channel_id: general.id } });
  const path2 = new URL(new URLSearchParams(rx.requests[m].body).get('response_url')!).pathname;
  t.takeEvents();
  assert.is.not(path2, path);
  await t.deps.db.query('update command_webhooks set create_at = create_at - 30 * 60000 - 1 where id = $1', [path2.split('/').pop()]);
  const late = await t.req('POST', path2, { body: { text: 'late' } });
  assert.is(late.status, 400);
  assert.is(late.body.id, 'app.command_webhook.try_use.invalid');
  const unknown = await t.req('POST', '/hooks/commands/aaaaaaaaaaaaaaaaaaaaaaaaaa', { body: { text: 'x' } });
  assert.is(unknown.status, 404);
  assert.is(unknown.body.id, 'app.command_webhook.get.missing');
  const bad = await t.req('POST', '/hooks/commands/aaaaaaaaaaaaaaaaaaaaaaaaaa', { raw: '{', headers: { 'content-type': 'application/json' } });
  assert.is(bad.status, 400);
  assert.is(ephemerals().length, 0);
});

test('custom command management, autocomplete and the Mattermost routes', async () => {
  assert.is((await t.req('POST', '/api/v1/commands', { token: dev.token, body: { team_id: team.id, trigger: 'mine', url: `${rx.url}/m` } })).status, 403);
  assert.is((await t.req('POST', '/api/v1/commands', { token: lead.token, body: { team_id: team.id, trigger: 'join', url: `${rx.url}/m` } })).body.error.code, 'command_trigger_taken');
  assert.is((await t.req('POST', '/api/v1/commands', { token: lead.token, body: { team_id: team.id, trigger: 'Weather', url: `${rx.url}/m` } })).status, 409);
  assert.is((await t.req('POST', '/api/v1/commands', { token: lead.token, body: { team_id: team.id, trigger: 'two words', url: `${rx.url}/m` } })).body.error.code, 'invalid_input');

  const ac = await t.req('GET', `/api/v1/commands/autocomplete?team_id=${team.id}&q=we`, { token: dev.token });
  assert.equal(ac.body.items, [{ trigger: 'weather', hint: '[city]', description: 'Forecast', custom: true }]);
  const mmSug = await t.req('GET', `/api/v4/teams/${team.id}/commands/autocomplete_suggestions?user_input=%2Fj&channel_id=${general.id}`, { token: dev.token });
  assert.equal(mmSug.body, [{ Complete: 'join', Suggestion: '/join', Hint: '~[channel]', Description: 'Join the open channel', IconData: '' }]);
  const mmAc = await t.req('GET', `/api/v4/teams/${team.id}/commands/autocomplete`, { token: dev.token });
  assert.ok(mmAc.body.some((c: any) => c.trigger === 'weather') && mmAc.body.some((c: any) => c.trigger === 'me'));
  assert.is(mmAc.body.find((c: any) => c.trigger === 'weather').token, '', 'no token leaks through autocomplete');
  const outsider = await fxUser(t.deps);
  assert.is((await t.req('GET', `/api/v1/commands/autocomplete?team_id=${team.id}`, { token: outsider.token })).status, 403);

  const created = await t.req('POST', '/api/v4/commands', { token: lead.token, body: { team_id: team.id, trigger: 'deploy', url: `${rx.url}/d`, method: 'P' } });
  assert.is(created.status, 201);
  const list = await t.req('GET', `/api/v4/commands?team_id=${team.id}&custom_only=true`, { token: lead.token });
  assert.ok(list.body.some((c: any) => c.id === created.body.id));
  const regen = await t.req('PUT', `/api/v4/commands/${created.body.id}/regen_token`, { token: lead.token });
  assert.is.not(regen.body.token, created.body.token);
  const put = await t.req('PUT', `/api/v4/commands/${created.body.id}`, { token: lead.token, body: { ...created.body, trigger: 'ship' } });
  assert.is(put.body.trigger, 'ship');
  reply = { type: 'application/json', body: JSON.stringify({ text: 'shipping' }) };
  const ex = await t.req('POST', '/api/v4/commands/execute', { token: dev.token, body: { command: '/ship it', channel_id: general.id } });
  assert.is(ex.status, 200);
  assert.is(ex.body.text, 'shipping');
  assert.is(ex.body.response_type, 'ephemeral');
  assert.equal(ex.body.extra_responses, []);
  assert.is(ex.headers.get('content-type'), 'application/json');
  assert.equal((await t.req('DELETE', `/api/v4/commands/${created.body.id}`, { token: lead.token })).body, { status: 'OK' });
  assert.is((await t.req('POST', '/api/v4/commands/execute', { token: dev.token, body: { command: '/ship it', channel_id: general.id } })).status, 404);
});

test('without the allow-list a command URL on loopback is refused and never called', async () => {
  const t2 = await testApp();
  try {
    const l = await fxUser(t2.deps);
    const tm = await fxTeam(t2.deps, l);
    const ch = await fxChannel(t2.deps, tm.id, l, { name: 'c' });
    const internal = await startReceiver();
    await t2.req('POST', '/api/v1/commands', { token: l.token, body: { team_id: tm.id, trigger: 'inside', url: `${internal.url}/x` } });
    const r = await t2.req('POST', '/api/v1/commands/execute', { token: l.token, body: { command: '/inside', channel_id: ch.id } });
    assert.is(r.status, 200);
    assert.match(r.body.text, /not allowed/);
    assert.is(internal.requests.length, 0);
    await internal.close();
  } finally {
    await t2.close();
  }
});

test.after(async () => {
  await rx.close();
  await t.close();
});
test.run();
