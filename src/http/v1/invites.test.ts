import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp } from '../../../test/app.ts';
import { startTestSmtp } from '../../../test/smtp.ts';
import { createMailer } from '../../mail/mailer.ts';
import { startOutboxWorker } from '../../mail/worker.ts';
import { silentLogger } from '../../log.ts';
import { INVITE_TTL_MS } from '../../actions/invites.ts';

// Team invitations by email end to end: HTTP → outbox → real SMTP server → link → sign-up with
// open sign-up off (or, signed in, joining the team).
let skew = 0;
const smtp = await startTestSmtp();
const t = await testApp({ config: { ...smtp.config(), 'server.site_url': 'https://chat.example.com', 'auth.open_signup': false }, now: () => Date.now() + skew });
const worker = startOutboxWorker(t.deps, { mailer: await createMailer(t.deps.config, { log: silentLogger }), pollMs: 100 });
const code = (r: { body: any }) => r.body?.error?.code;

// The first account is always allowed (and is the system admin); everyone else needs an invitation.
const root = (await t.req('POST', '/api/v1/auth/register', { body: { email: 'root@example.com', username: 'root', password: 'the admin password', display_name: 'Root Admin' } })).body;
const team = (await t.req('POST', '/api/v1/teams', { token: root.token, body: { name: 'crew', display_name: 'The Crew', type: 'I' } })).body;
const tokenOf = (text: string) => /\/signup_user_complete\/\?t=([A-Za-z0-9_-]+)/.exec(text)?.[1];
const mailTo = (addr: string) => smtp.waitFor((m) => m.to.includes(addr));

test('open sign-up off: a plain sign-up is refused', async () => {
  const r = await t.req('POST', '/api/v1/auth/register', { body: { email: 'x@example.com', username: 'xavier', password: 'a good password 1' } });
  assert.is(r.status, 403);
  assert.is(code(r), 'signup_disabled');
});

test('an invitation email carries a 48-hour single-use link that signs up the invited address even with sign-up closed', async () => {
  const r = await t.req('POST', `/api/v1/teams/${team.id}/invites`, { token: root.token, body: { emails: ['New.Person@example.com'] } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.items, [{ email: 'New.Person@example.com', status: 'sent' }]);
  const m = await mailTo('New.Person@example.com');
  assert.is(m.subject, '[RustChat] Root Admin invited you to join The Crew');
  assert.match(m.text, 'https://chat.example.com/signup_user_complete/?t=');
  assert.match(m.text, 'for 48 hours');
  assert.match(m.html, 'href="https://chat.example.com/signup_user_complete/?t=');
  const token = tokenOf(m.text)!;
  const rows = await t.deps.db.query<any>('select * from team_invites');
  assert.is(rows.length, 1);
  assert.is.not(rows[0].token_hash, token, 'only the hash is stored');
  assert.is(Number(rows[0].expires_at) - Number(rows[0].create_at), INVITE_TTL_MS);

  const info = await t.req('POST', '/api/v1/auth/invite/info', { body: { token } });
  assert.is(info.status, 200);
  assert.is(info.body.email, 'New.Person@example.com');
  assert.is(info.body.team.display_name, 'The Crew');
  assert.is(info.body.inviter, 'Root Admin');

  // Another address with this link: refused.
  const other = await t.req('POST', '/api/v1/auth/register', { body: { email: 'someone.else@example.com', username: 'else', password: 'a good password 1', invite_token: token } });
  assert.is(other.status, 400);
  assert.is(code(other), 'invite_email_mismatch');
  const ok = await t.req('POST', '/api/v1/auth/register', { body: { email: 'new.person@EXAMPLE.com', username: 'newbie', password: 'a good password 1', invite_token: token } });
  assert.is(ok.status, 201, JSON.stringify(ok.body));
  const teams = await t.req('GET', '/api/v1/teams', { token: ok.body.token });
  assert.equal(teams.body.items.map((x: any) => x.id), [team.id]);
  // Single use.
  const again = await t.req('POST', '/api/v1/auth/register', { body: { email: 'New.Person@example.com', username: 'newbie2', password: 'a good password 1', invite_token: token } });
  assert.is(again.status, 400);
  assert.is(code(again), 'invalid_invite_token');
  assert.is(code(await t.req('POST', '/api/v1/auth/invite/info', { body: { token } })), 'invalid_invite_token');
});

test('a signed-in person accepts an invitation; expired and forged links are refused', async () => {
  // An account the admin created (sign-up is closed), not in the team.
  const created = await t.req('POST', '/api/v1/admin/users', { token: root.token, body: { email: 'pat@example.com', username: 'pat', password: 'pats password 12' } });
  assert.is(created.status, 201, JSON.stringify(created.body));
  const pat = (await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'pat', password: 'pats password 12' } })).body;
  await t.req('POST', `/api/v1/teams/${team.id}/invites`, { token: root.token, body: { emails: ['pat@example.com', 'late@example.com'] } });
  const token = tokenOf((await mailTo('pat@example.com')).text)!;
  const late = tokenOf((await mailTo('late@example.com')).text)!;
  assert.is(code(await t.req('POST', '/api/v1/teams/invites/accept', { token: pat.token, body: { token: 'A'.repeat(43) } })), 'invalid_invite_token');
  const ok = await t.req('POST', '/api/v1/teams/invites/accept', { token: pat.token, body: { token } });
  assert.is(ok.status, 201, JSON.stringify(ok.body));
  assert.is(ok.body.team.id, team.id);
  assert.is(ok.body.member.role, 'team_user');
  assert.is((await t.req('POST', '/api/v1/teams/invites/accept', { token: pat.token, body: { token } })).status, 400);
  skew = INVITE_TTL_MS + 1000;
  try {
    const expired = await t.req('POST', '/api/v1/auth/register', { body: { email: 'late@example.com', username: 'late', password: 'a good password 1', invite_token: late } });
    assert.is(expired.status, 400);
    assert.is(code(expired), 'invite_token_expired');
  } finally {
    skew = 0;
  }
});

test('who may invite, bad addresses, members already in the team, and the per-address results', async () => {
  const pat = (await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'pat', password: 'pats password 12' } })).body;
  // A plain member of an invite-only team may not invite.
  const denied = await t.req('POST', `/api/v1/teams/${team.id}/invites`, { token: pat.token, body: { emails: ['z@example.com'] } });
  assert.is(denied.status, 403);
  const before = smtp.messages.length;
  const bad = await t.req('POST', `/api/v1/teams/${team.id}/invites`, { token: root.token, body: { emails: ['good@example.com', 'not an address'] } });
  assert.is(bad.status, 400);
  assert.is(code(bad), 'invalid_email');
  assert.match(bad.body.error.message, 'not an address');
  const graceful = await t.req('POST', `/api/v1/teams/${team.id}/invites?graceful=true`, { token: root.token, body: { emails: ['good@example.com', 'not an address', 'pat@example.com', 'GOOD@example.com'] } });
  assert.is(graceful.status, 200);
  assert.equal(graceful.body.items, [
    { email: 'good@example.com', status: 'sent' },
    { email: 'not an address', error: { code: 'invalid_email', message: 'Email address is not valid' } },
    { email: 'pat@example.com', status: 'already_member' },
  ]);
  await mailTo('good@example.com');
  await new Promise((r) => setTimeout(r, 400));
  assert.is(smtp.messages.length, before + 1, 'one email: the refused request sent nothing, members get none');
  const tooMany = await t.req('POST', `/api/v1/teams/${team.id}/invites`, { token: root.token, body: { emails: Array.from({ length: 21 }, (_, i) => `u${i}@example.com`) } });
  assert.is(tooMany.status, 400);
  assert.is(code(tooMany), 'invalid_input');
  const outsider = (await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'newbie', password: 'a good password 1' } })).body;
  const otherTeam = (await t.req('POST', '/api/v1/teams', { token: root.token, body: { name: 'other', display_name: 'Other', type: 'O' } })).body;
  assert.is((await t.req('POST', `/api/v1/teams/${otherTeam.id}/invites`, { token: outsider.token, body: { emails: ['q@example.com'] } })).status, 403, 'non-members cannot invite');
});

test('regenerating the invite id: team admins only, the old link stops working', async () => {
  const pat = (await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'pat', password: 'pats password 12' } })).body;
  const old = (await t.req('GET', `/api/v1/teams/${team.id}`, { token: root.token })).body.invite_id;
  assert.is((await t.req('POST', `/api/v1/teams/${team.id}/regenerate_invite_id`, { token: pat.token })).status, 403);
  t.takeEvents();
  const r = await t.req('POST', `/api/v1/teams/${team.id}/regenerate_invite_id`, { token: root.token });
  assert.is(r.status, 200);
  assert.match(r.body.invite_id, /^[a-z0-9]{26}$/);
  assert.is.not(r.body.invite_id, old);
  const ev = t.takeEvents().find((e) => e.event === 'team_updated');
  assert.ok(ev, 'team_updated emitted');
  assert.is((ev!.data as any).team.invite_id, undefined, 'broadcasts never carry the invite id');
  const joiner = (await t.req('POST', '/api/v1/admin/users', { token: root.token, body: { email: 'j@example.com', username: 'joiner', password: 'joiners password 1' } })).body;
  const jt = (await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'joiner', password: 'joiners password 1' } })).body.token;
  assert.ok(joiner);
  assert.is(code(await t.req('POST', `/api/v1/teams/${team.id}/join`, { token: jt, body: { invite_id: old } })), 'invalid_invite');
  assert.is((await t.req('POST', `/api/v1/teams/${team.id}/join`, { token: jt, body: { invite_id: r.body.invite_id } })).status, 201);
});

test('Mattermost routes: invite/email (plain and graceful), users?t=, teams/members/invite, regenerate_invite_id', async () => {
  const plain = await t.req('POST', `/api/v4/teams/${team.id}/invite/email`, { token: root.token, body: ['mm1@example.com'] });
  assert.is(plain.status, 200, JSON.stringify(plain.body));
  assert.equal(plain.body, { status: 'OK' });
  const graceful = await t.req('POST', `/api/v4/teams/${team.id}/invite/email?graceful=true`, { token: root.token, body: ['mm2@example.com', 'bad'] });
  assert.is(graceful.status, 200);
  assert.is(graceful.body[0].email, 'mm2@example.com');
  assert.is(graceful.body[0].error, null);
  assert.is(graceful.body[1].error.id, 'api.user.create_user.invalid_email.app_error');
  const t1 = tokenOf((await mailTo('mm1@example.com')).text)!;
  const t2 = tokenOf((await mailTo('mm2@example.com')).text)!;
  const closed = await t.req('POST', '/api/v4/users', { body: { email: 'mm1@example.com', username: 'mmone', password: 'a good password 1' } });
  assert.is(closed.status, 403);
  const signed = await t.req('POST', `/api/v4/users?t=${t1}`, { body: { email: 'mm1@example.com', username: 'mmone', password: 'a good password 1' } });
  assert.is(signed.status, 201, JSON.stringify(signed.body));
  const bad = await t.req('POST', `/api/v4/users?t=${t1}`, { body: { email: 'mm1@example.com', username: 'mmone2', password: 'a good password 1' } });
  assert.is(bad.body.id, 'api.user.create_user.signup_link_invalid.app_error');
  // mm2 gets an account from the admin and accepts while signed in.
  await t.req('POST', '/api/v1/admin/users', { token: root.token, body: { email: 'mm2@example.com', username: 'mmtwo', password: 'a good password 2' } });
  const mm2 = (await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'mmtwo', password: 'a good password 2' } })).body.token;
  const joined = await t.req('POST', `/api/v4/teams/members/invite?token=${t2}`, { token: mm2 });
  assert.is(joined.status, 201, JSON.stringify(joined.body));
  assert.is(joined.body.team_id, team.id);
  assert.is(joined.body.user_id, (await t.req('GET', '/api/v1/auth/me', { token: mm2 })).body.id);
  const regen = await t.req('POST', `/api/v4/teams/${team.id}/regenerate_invite_id`, { token: root.token });
  assert.is(regen.status, 200);
  assert.match(regen.body.invite_id, /^[a-z0-9]{26}$/);
  assert.is((await t.req('POST', `/api/v4/teams/${team.id}/regenerate_invite_id`, { token: mm2 })).status, 403);
});

test.after(async () => {
  await worker.stop();
  await t.close();
  await smtp.close();
});

test.run();
