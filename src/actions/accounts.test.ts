import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp } from '../../test/app.ts';
import { checkEmail, checkUsername, deleteUser, resetPassword, setActive } from './accounts.ts';
import { fxTeam, fxUser, fxChannel } from '../../test/fixtures.ts';
import { CLI_ACTOR } from './audit.ts';
import { isControl, type ControlMessage } from '../contract/events.ts';

// Races that only a real concurrent database can lose (PostgreSQL pass); PGlite serialises them.
const t = await testApp();
const register = (username: string, email = `${username}@example.com`) =>
  t.req('POST', '/api/v1/auth/register', { body: { email, username, password: 'race password' } });
const code = (r: { body: any }) => r.body?.error?.code;

test('simultaneous first registrations: exactly one system admin', async () => {
  const rs = await Promise.all(Array.from({ length: 5 }, (_, i) => register(`first${i}`)));
  assert.ok(rs.every((r) => r.status === 201), JSON.stringify(rs.map((r) => r.body)));
  const admins = rs.filter((r) => r.body.user.roles.includes('system_admin'));
  assert.is(admins.length, 1);
});

test('simultaneous registrations of one name (any case): one 201, the rest 409, no 500', async () => {
  const rs = await Promise.all(['dup', 'DUP', 'Dup', 'dUp', 'duP'].map((u, i) => register(u, `dup${i}@example.com`)));
  assert.equal(
    rs.map((r) => r.status).sort(),
    [201, 409, 409, 409, 409],
  );
  assert.ok(rs.filter((r) => r.status === 409).every((r) => code(r) === 'username_taken'));
  const emails = await Promise.all([0, 1, 2].map((i) => register(`mail${i}`, i % 2 ? 'SAME@example.com' : 'same@example.com')));
  assert.equal(
    emails.map((r) => r.status).sort(),
    [201, 409, 409],
  );
  assert.ok(emails.filter((r) => r.status === 409).every((r) => code(r) === 'email_taken'));
});

test('two admins deactivating each other at once: one always remains', async () => {
  const [a] = await t.deps.db.query<{ id: string }>(`select id from users where roles like '%system_admin%'`);
  const b = await register('second');
  await t.deps.db.query(`update users set roles = 'system_user system_admin' where id = $1`, [b.body.user.id]);
  const actor = { id: '', ip: 'test', via: 'api' as const };
  const results = await Promise.allSettled([setActive(t.deps, actor, a.id, false), setActive(t.deps, actor, b.body.user.id, false)]);
  assert.equal(
    results.map((r) => r.status).sort(),
    ['fulfilled', 'rejected'],
  );
  const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  assert.is(rejected.reason.code, 'last_admin');
  const [{ n }] = await t.deps.db.query<{ n: number }>(`select count(*)::int as n from users where delete_at = 0 and roles like '%system_admin%'`);
  assert.is(n, 1);
});

test('deactivate and delete: user_updated to everyone sharing a team or channel; sessions announced', async () => {
  const controls: ControlMessage[] = [];
  const unsub = t.deps.bus.subscribe((m) => void (isControl(m) && controls.push(m)));
  const gina = await fxUser(t.deps, { username: 'gina' });
  const mate = await fxUser(t.deps, { username: 'mate' });
  const dmPal = await fxUser(t.deps, { username: 'dmpal' });
  const stranger = await fxUser(t.deps, { username: 'stranger' });
  await fxTeam(t.deps, mate, { members: [gina] });
  const other = await fxTeam(t.deps, stranger);
  await fxChannel(t.deps, other.id, dmPal, { type: 'P', members: [gina] });
  const expected = [gina.id, mate.id, dmPal.id].sort();

  t.takeEvents();
  await setActive(t.deps, CLI_ACTOR, gina.id, false);
  let [e] = t.takeEvents();
  assert.is(e.event, 'user_updated');
  assert.equal([...e.broadcast.user_ids].sort(), expected);
  assert.ok((e.data.user as any).delete_at > 0);
  assert.not.ok('email' in (e.data.user as any));
  assert.equal(controls, [{ control: 'sessions_revoked', session_ids: [gina.sessionId], user_id: gina.id }]);
  assert.is((await t.req('GET', '/api/v1/auth/me', { token: gina.token })).status, 401);

  await setActive(t.deps, CLI_ACTOR, gina.id, true);
  [e] = t.takeEvents();
  assert.is((e.data.user as any).delete_at, 0);
  // Setting the state it already has changes nothing and says nothing.
  await setActive(t.deps, CLI_ACTOR, gina.id, true);
  assert.is(t.takeEvents().length, 0);

  const s2 = await fxUser(t.deps, { username: 'gina2' });
  await t.deps.db.query('update sessions set user_id = $1 where id = $2', [gina.id, s2.sessionId]);
  controls.length = 0;
  const r = await resetPassword(t.deps, CLI_ACTOR, gina.id);
  assert.is(r.revoked, 1);
  assert.is(r.password!.length, 20);
  assert.equal(controls.map((c) => (c as any).session_ids), [[s2.sessionId]]);

  // Her access token goes with her; its id is announced with her sessions, so a socket opened
  // with it closes (the hub knows token sockets by the token's id).
  await t.deps.db.query(`insert into access_tokens (id, user_id, token_hash, create_at) values ('ginatokenid0000000000000000', $1, 'h', 0)`, [gina.id]);
  // A notification email waiting for her: no foreign key cascades it (0018_posting_constraints.sql).
  await t.deps.db.query(`insert into email_notifications (user_id, post_id, channel_id, create_at) values ($1, 'ginapost', 'ginachannel', 0)`, [gina.id]);
  controls.length = 0;
  await deleteUser(t.deps, CLI_ACTOR, gina.id);
  assert.ok(controls.some((c) => (c as any).session_ids.includes('ginatokenid0000000000000000')), 'the token is announced revoked');
  const all = t.takeEvents();
  // Member lists everywhere learn it first: her team, and the private channel of a team she is
  // not in (the fixture team has no channels of its own; team removal is tested in teams).
  const removed = all.filter((x) => x.event === 'user_removed');
  assert.is(removed.length, 1, 'user_removed per channel');
  assert.ok(removed.every((x) => x.data.user_id === gina.id && x.broadcast.user_ids.includes(gina.id)));
  assert.ok(removed.some((x) => x.broadcast.user_ids.includes(dmPal.id)), 'the private channel outside her teams');
  const left = all.filter((x) => x.event === 'leave_team');
  assert.is(left.length, 1);
  assert.ok(left[0].broadcast.user_ids.includes(mate.id));
  e = all.at(-1)!;
  assert.is(e.event, 'user_updated');
  assert.equal([...e.broadcast.user_ids].sort(), expected);
  assert.ok((e.data.user as any).delete_at > 0);
  assert.is((await t.deps.db.query('select id from users where id = $1', [gina.id])).length, 0);
  assert.is((await t.deps.db.query('select 1 from team_members where user_id = $1', [gina.id])).length, 0);
  assert.is((await t.deps.db.query('select 1 from email_notifications where user_id = $1', [gina.id])).length, 0);
  const [row] = await t.deps.db.query<any>(`select * from audit_log where action = 'user_delete' and target_id = $1`, [gina.id]);
  assert.equal(row.details, { via: 'cli', username: 'gina', email: 'gina@example.com' });
  assert.is(row.ip, 'local');
  unsub();
});

test('checkUsername / checkEmail normalise and reject precisely', () => {
  assert.is(checkUsername('  Ada.Lovelace_1 '), 'ada.lovelace_1');
  assert.is(checkEmail('  Ada@Example.COM '), 'Ada@Example.COM');
  const reason = (fn: () => unknown) => {
    try {
      fn();
      return 'ok';
    } catch (e: any) {
      return `${e.code}:${e.details?.reason ?? ''}`;
    }
  };
  assert.is(reason(() => checkUsername('İstanbul')), 'invalid_username:characters'); // not ASCII-lowercased into 'i̇'
  assert.is(reason(() => checkUsername('a\u200dda')), 'invalid_username:invisible_characters'); // zero-width joiner
  assert.is(reason(() => checkUsername('ada\u2068')), 'invalid_username:invisible_characters'); // first-strong isolate
  assert.is(reason(() => checkUsername('here')), 'invalid_username:reserved');
  assert.is(reason(() => checkEmail('a@b')), 'invalid_email:format');
  assert.is(reason(() => checkEmail(`${'a'.repeat(250)}@b.io`)), 'invalid_email:format');
});

test.after(() => t.close());
test.run();
