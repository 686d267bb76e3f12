import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testApp } from '../../test/app.ts';
import { startTestSmtp } from '../../test/smtp.ts';
import { fxChannel, fxJoin, fxTeam, fxUser, type FxUser } from '../../test/fixtures.ts';
import { connect, until } from '../../test/realtime.ts';
import { createMailer } from '../mail/mailer.ts';
import { startOutboxWorker } from '../mail/worker.ts';
import { startNotificationSender } from './notification-sender.ts';
import { notificationEmailPass } from './notification-emails.ts';
import { silentLogger } from '../log.ts';

// Offline mention and direct-message emails, end to end: a post → email_notifications → batch →
// outbox → a real SMTP server.
let skew = 0;
const smtp = await startTestSmtp();
const t = await testApp({ config: { ...smtp.config(), 'server.site_url': 'https://chat.example.com', 'site.name': 'Acme Chat' }, now: () => Date.now() + skew });
const outbox = startOutboxWorker(t.deps, { mailer: await createMailer(t.deps.config, { log: silentLogger }), pollMs: 100 });
let sender = startNotificationSender(t.deps, { pollMs: 200 });

const ada = await fxUser(t.deps, { username: 'ada' });
const root = await fxUser(t.deps, { username: 'root', admin: true });
const users: Record<string, FxUser> = {};
for (const n of ['bob', 'cy', 'dan', 'eve', 'fay', 'gil', 'hal']) users[n] = await fxUser(t.deps, { username: n });
const { bob, cy, dan, eve, fay, gil, hal } = users;
const team = await fxTeam(t.deps, ada, { name: 'acme', members: Object.values(users) });
const general = await fxChannel(t.deps, team.id, ada, { name: 'general', members: Object.values(users) });
await t.deps.db.query(`update channels set display_name = 'General' where id = $1`, [general.id]);
const random = await fxChannel(t.deps, team.id, ada, { name: 'random', members: Object.values(users) });

async function post(u: FxUser, channelId: string, message: string) {
  const r = await t.req('POST', `/api/v1/channels/${channelId}/posts`, { token: u.token, body: { message } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const dm = async (from: FxUser, to: FxUser) => (await t.req('POST', '/api/v1/channels/direct', { token: from.token, body: { user_id: to.id } })).body.id as string;
const mailsTo = (u: FxUser) => smtp.messages.filter((m) => m.to.includes(u.email));
const waiting = async (u: FxUser) => Number((await t.deps.db.query<any>('select count(*)::int as n from email_notifications where user_id = $1', [u.id]))[0].n);
const quiet = (ms = 700) => new Promise((r) => setTimeout(r, ms));
const setInterval_ = (u: FxUser, seconds: number) => t.req('PATCH', '/api/v1/users/me/notify_props', { token: u.token, body: { email_interval: seconds } });

test('"immediately": an offline member mentioned in a channel gets one email at once; the author none', async () => {
  const p = await post(ada, general.id, `@bob can you look at the <b>build</b>?`);
  const m = await smtp.waitFor((x) => x.to.includes(bob.email));
  assert.is(m.subject, '[Acme Chat] New mention from ada in ~General');
  assert.match(m.text, 'Hello bob, this came in while you were away:');
  assert.match(m.text, '> @bob can you look at the <b>build</b>?');
  assert.match(m.text, `https://chat.example.com/acme/pl/${p.id}`);
  assert.match(m.html, '@bob can you look at the &lt;b&gt;build&lt;/b&gt;?', 'message text escaped in HTML');
  assert.not.match(m.html, /<img|<script/i);
  await quiet();
  assert.is(mailsTo(ada).length, 0);
  assert.is(mailsTo(bob).length, 1);
  assert.is(await waiting(bob), 0, 'the row is gone once emailed');
  const row = (await t.deps.db.query<any>(`select kind from email_outbox where to_address = $1`, [bob.email]))[0];
  assert.is(row.kind, 'notification');
});

test('a direct message is emailed to its offline recipient', async () => {
  const ch = await dm(ada, cy);
  await post(ada, ch, 'lunch?');
  const m = await smtp.waitFor((x) => x.to.includes(cy.email));
  assert.is(m.subject, '[Acme Chat] New direct message from ada');
  assert.match(m.text, 'Direct message from ada');
  assert.match(m.text, '> lunch?');
});

test('batched every 15 minutes: nothing at once, then one email grouped per channel', async () => {
  assert.is((await setInterval_(dan, 900)).status, 200);
  const before = mailsTo(dan).length;
  await post(ada, general.id, '@dan first');
  await post(eve, general.id, 'hey @dan second');
  await post(ada, random.id, '@dan in random');
  await post(ada, await dm(ada, dan), 'and a DM');
  await post(ada, general.id, 'not for dan');
  await quiet(1200);
  assert.is(await sender.runOnce(), 0);
  assert.is(mailsTo(dan).length, before, 'nothing before the interval');
  assert.is(await waiting(dan), 4);
  skew += 15 * 60_000 + 1000;
  try {
    await sender.runOnce();
    const m = await smtp.waitFor((x) => x.to.includes(dan.email) && x.subject.includes('conversations'));
    assert.is(m.subject, '[Acme Chat] 4 new messages in 3 conversations');
    const text = m.text;
    assert.ok(text.indexOf('~General') < text.indexOf('> @dan first') && text.indexOf('> @dan first') < text.indexOf('> hey @dan second'), 'one section per channel, in order');
    assert.match(text, '~random');
    assert.match(text, 'Direct message from ada');
    assert.not.match(text, 'not for dan');
    await quiet();
    assert.is(mailsTo(dan).length, before + 1, 'one email for the batch');
    assert.is(await waiting(dan), 0);
  } finally {
    skew = 0;
  }
});

test('reading the channel before the batch goes out: no email about what was read', async () => {
  await setInterval_(eve, 3600);
  await post(ada, general.id, '@eve read me before the hour');
  await post(ada, random.id, '@eve unread in random');
  assert.is(await waiting(eve), 2);
  assert.is((await t.req('POST', `/api/v1/channels/${general.id}/read`, { token: eve.token })).status, 200);
  skew += 60 * 60_000 + 1000;
  try {
    await sender.runOnce();
    const m = await smtp.waitFor((x) => x.to.includes(eve.email));
    assert.match(m.text, 'unread in random');
    assert.not.match(m.text, 'read me before the hour');
    assert.is(m.subject, '[Acme Chat] New mention from ada in ~random');
  } finally {
    skew = 0;
  }
  // Everything read: the rows go, no email at all.
  await post(ada, general.id, '@eve again');
  await t.req('POST', `/api/v1/channels/${general.id}/read`, { token: eve.token });
  skew += 60 * 60_000 + 1000;
  try {
    const before = mailsTo(eve).length;
    assert.is(await sender.runOnce(), 0);
    assert.is(await waiting(eve), 0);
    await quiet();
    assert.is(mailsTo(eve).length, before);
  } finally {
    skew = 0;
  }
});

test('nothing for a muted channel, with email off, or with the interval "never"', async () => {
  await t.req('PUT', `/api/v1/channels/${general.id}/members/me/notify_props`, { token: fay.token, body: { mark_unread: 'mention' } });
  await post(ada, general.id, '@fay muted here');
  assert.is(await waiting(fay), 0);
  await t.req('PUT', `/api/v1/channels/${random.id}/members/me/notify_props`, { token: fay.token, body: { email: 'false' } });
  await post(ada, random.id, '@fay email off here');
  assert.is(await waiting(fay), 0);
  await t.req('PATCH', '/api/v1/users/me/notify_props', { token: gil.token, body: { notify_props: { email: 'false' } } });
  await post(ada, await dm(ada, gil), 'dm while email is off');
  assert.is(await waiting(gil), 0);
  await t.req('PATCH', '/api/v1/users/me/notify_props', { token: gil.token, body: { notify_props: { email: 'true' }, email_interval: 0 } });
  await post(ada, general.id, '@gil never');
  assert.is(await waiting(gil), 0);
  // Channel setting "true" wins over the user's "false".
  await t.req('PATCH', '/api/v1/users/me/notify_props', { token: gil.token, body: { notify_props: { email: 'false' }, email_interval: 30 } });
  await t.req('PUT', `/api/v1/channels/${random.id}/members/me/notify_props`, { token: gil.token, body: { email: 'true' } });
  await post(ada, random.id, '@gil this channel always emails');
  await smtp.waitFor((x) => x.to.includes(gil.email));
  await quiet();
  assert.is(mailsTo(fay).length, 0);
  assert.is(mailsTo(gil).length, 1);
});

test('an online user (live socket) is not emailed; away is', async () => {
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: t.server.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server)) as Server;
  });
  t.server.injectWebSocket(server);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let c: Awaited<ReturnType<typeof connect>>['c'] | undefined;
  try {
    ({ c } = await connect(base, bob.token));
    // The post statement reads the stored status (user_status), which the socket's attach writes
    // a moment after the status route already answers "online" from the live socket.
    await until(async () => (await t.deps.db.query<any>('select status from user_status where user_id = $1', [bob.id]))[0]?.status === 'online' || undefined, 'bob stored online');
    const before = mailsTo(bob).length;
    await post(ada, general.id, '@bob you are here');
    await post(ada, await dm(ada, bob), 'dm while online');
    assert.is(await waiting(bob), 0);
    // Away (the client reports inactivity, or the user chooses it): emails again.
    await t.req('PUT', '/api/v1/users/me/status', { token: bob.token, body: { status: 'away' } });
    await post(ada, general.id, '@bob are you away?');
    const m = await smtp.waitFor((x) => x.to.includes(bob.email) && x.text.includes('are you away?'));
    assert.not.match(m.text, 'you are here');
    await quiet();
    assert.is(mailsTo(bob).length, before + 1, JSON.stringify(mailsTo(bob).slice(before).map((x) => x.text)));
  } finally {
    // Close the socket even when an assertion failed: server.close() waits for upgraded sockets,
    // which closeAllConnections() does not end, so a failure would otherwise hang the file.
    await c?.kill();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('a deleted post is not emailed', async () => {
  await setInterval_(cy, 900);
  const p = await post(ada, general.id, '@cy oops, deleting this');
  assert.is(await waiting(cy), 1);
  assert.is((await t.req('DELETE', `/api/v1/posts/${p.id}`, { token: ada.token })).status, 200);
  skew += 15 * 60_000 + 1000;
  try {
    const before = mailsTo(cy).length;
    assert.is(await sender.runOnce(), 0);
    await quiet();
    assert.is(mailsTo(cy).length, before);
  } finally {
    skew = 0;
  }
});

test('a waiting row whose post or recipient was deleted for good is dropped without an email or an error', async () => {
  // email_notifications has no foreign keys (0018_posting_constraints.sql): nothing cascades to
  // it, and the sender must cope with rows that outlived what they point at.
  await sender.stop(); // passes by hand: an error must surface here, not in the background's log
  try {
    await setInterval_(dan, 900);
    const p = await post(ada, general.id, '@dan this post is deleted for good');
    const ghost = await fxUser(t.deps, { username: 'ghost' });
    await fxJoin(t.deps, general.id, ghost);
    await setInterval_(ghost, 900);
    await post(ada, general.id, '@ghost this recipient is deleted for good');
    assert.is(await waiting(dan), 1);
    assert.is(await waiting(ghost), 1);
    await t.deps.db.query('delete from posts where id = $1', [p.id]);
    // By hand, past deleteUser (which deletes the user's rows itself: accounts.test.ts).
    await t.deps.db.query('delete from users where id = $1', [ghost.id]);
    assert.is(await waiting(dan), 1, 'the rows outlive the post');
    assert.is(await waiting(ghost), 1, 'and the user');
    const before = mailsTo(dan).length;
    skew += 15 * 60_000 + 1000;
    const r = await notificationEmailPass(t.deps);
    assert.ok(r.due >= 2, JSON.stringify(r));
    assert.is(r.queued, 0);
    assert.is(await waiting(dan), 0);
    assert.is(await waiting(ghost), 0);
    assert.is((await t.deps.db.query(`select 1 from email_outbox where to_address = $1`, [ghost.email])).length, 0);
    await quiet();
    assert.is(mailsTo(dan).length, before);
    assert.is(mailsTo(ghost).length, 0);
  } finally {
    skew = 0;
    sender = startNotificationSender(t.deps, { pollMs: 200 });
  }
});

const sendNotifications = async (on: boolean | null) => {
  const r = await t.req('PATCH', '/api/v1/admin/email-settings', { token: root.token, body: { send_notifications: on } });
  assert.is(r.status, 200, JSON.stringify(r.body));
};

test('site switch off (email.send_notifications): posts queue nothing, waiting ones are dropped unsent; on again: emailed as before', async () => {
  // The passes run by hand here: a background pass while off would drop rows before they are counted.
  await sender.stop();
  // One waits for its 15-minute batch when the switch goes off.
  await setInterval_(hal, 900);
  await post(ada, general.id, '@hal queued before the switch');
  assert.is(await waiting(hal), 1);
  const before = mailsTo(hal).length;
  await sendNotifications(false);
  try {
    await post(ada, general.id, '@hal mentioned while off');
    await post(ada, await dm(ada, hal), 'dm while off');
    assert.is(await waiting(hal), 1, 'no new rows while off');
    skew += 15 * 60_000 + 1000;
    assert.equal(await notificationEmailPass(t.deps), { due: 0, queued: 0 });
    assert.is(await waiting(hal), 0, 'the waiting row is dropped');
    await quiet();
    assert.is(mailsTo(hal).length, before, 'and not emailed');
  } finally {
    skew = 0;
    await sendNotifications(null);
    sender = startNotificationSender(t.deps, { pollMs: 200 });
  }
  // Back on (the file's default): queued and emailed again, nothing from the time it was off.
  await setInterval_(hal, 30);
  await post(ada, general.id, '@hal after the switch');
  const m = await smtp.waitFor((x) => x.to.includes(hal.email));
  assert.match(m.text, 'after the switch');
  assert.not.match(m.text, /before the switch|while off/);
  await quiet();
  assert.is(mailsTo(hal).length, before + 1);
  // Not notifications: a password reset is emailed with the switch off.
  await sendNotifications(false);
  try {
    assert.is((await t.req('POST', '/api/v1/auth/password/reset/send', { body: { email: hal.email } })).status, 204);
    const reset = await smtp.waitFor((x) => x.to.includes(hal.email) && /password/i.test(x.subject));
    assert.ok(reset);
  } finally {
    await sendNotifications(null);
  }
});

test.after(async () => {
  await sender.stop();
  await outbox.stop();
  await t.close();
  await smtp.close();
});

test.run();
