/**
 * "Invite people" in a real browser against a real server process (open sign-up OFF) and a real
 * SMTP server (npm smtp-server): addresses checked before sending, each address answered (sent,
 * already a member, refused by the server), the emailed link opened logged out → sign-up as the
 * invited address → member of the team; the same kind of link followed by logging in (not signing
 * up), and opened while signed in; the team invite link copied and replaced by the team admin
 * (the old one stops working). Outcomes are read back through the API. Skipped without chromium.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import type { Browser } from 'playwright-core';
import { browserUnavailable, contrastProblems, ensureWebBuilt, launch, logIn, openClient, startServer, type Client } from './harness.ts';
import type { ServerProcess } from '../../test/process.ts';
import { startTestSmtp, type ReceivedMail, type TestSmtp } from '../../test/smtp.ts';

const skip = browserUnavailable();
let server: ServerProcess;
let smtp: TestSmtp;
let browser: Browser;
const TIMEOUT = 30_000;
const PW = 'invite test password 1';
const tokens: Record<string, string> = {};
let team: { id: string; name: string; invite_id: string };
const open: Client[] = [];

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

async function api(who: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { ...(tokens[who] ? { authorization: `Bearer ${tokens[who]}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}
async function loginApi(username: string) {
  const r = await api('', 'POST', '/auth/login', { login_id: username, password: PW });
  assert.is(r.status, 200, JSON.stringify(r.body));
  tokens[username] = r.body.token;
}
const inTeam = async (who: string) => ((await api(who, 'GET', '/teams')).body.items as { id: string }[]).some((t) => t.id === team.id);
const linkIn = (m: ReceivedMail) => {
  const link = /(http:\/\/127\.0\.0\.1:\d+\/signup_user_complete\/\?t=[A-Za-z0-9_%-]+)/.exec(m.text)?.[1];
  assert.ok(link, m.text);
  return link!;
};
async function client(): Promise<Client> {
  const c = await openClient(browser, server.url);
  c.ctx.setDefaultTimeout(TIMEOUT);
  open.push(c);
  return c;
}
async function openInviteDialog(c: Client) {
  await c.page.click('button.team-name');
  await c.page.click('[role=menuitem]:has-text("Invite people")');
  await c.page.locator('[role=dialog][aria-label^="Invite people"]').waitFor();
}

test.before(async () => {
  if (skip) return;
  await ensureWebBuilt();
  smtp = await startTestSmtp();
  const port = await freePort();
  server = await startServer({
    port,
    env: {
      RUSTCHAT_SITE_URL: `http://127.0.0.1:${port}`,
      RUSTCHAT_SMTP_HOST: '127.0.0.1',
      RUSTCHAT_SMTP_PORT: String(smtp.port),
      RUSTCHAT_SITE_NAME: 'Invite Test',
      RUSTCHAT_OPEN_SIGNUP: 'false',
      RUSTCHAT_SIGNUP_EMAIL_DOMAINS: 'example.com',
    },
  });
  browser = await launch();
  // The first account is always allowed (and is the system admin); the rest are made by it.
  const root = await api('', 'POST', '/auth/register', { email: 'root@example.com', username: 'root', password: PW, display_name: 'Root Admin' });
  assert.is(root.status, 201, JSON.stringify(root.body));
  tokens.root = root.body.token;
  for (const u of ['pat', 'quinn']) {
    const r = await api('root', 'POST', '/admin/users', { email: `${u}@example.com`, username: u, password: PW });
    assert.is(r.status, 201, JSON.stringify(r.body));
    await loginApi(u);
  }
  team = (await api('root', 'POST', '/teams', { name: 'crew', display_name: 'The Crew', type: 'I' })).body;
  assert.is((team as any).type, 'I');
  assert.ok(team.invite_id);
  assert.is((await api('', 'POST', '/auth/register', { email: 'nobody@example.com', username: 'nobody', password: PW })).body.error.code, 'signup_disabled');
});

test.after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  await smtp?.close();
});

if (skip) {
  console.log(`[skip] invites browser suite skipped: ${skip}`);
} else {
  test('invite by email: addresses checked first, then one answer per address', async () => {
    const c = await client();
    await logIn(c.page, 'root', PW);
    await c.page.waitForURL('**/crew/channels/town-square');
    await openInviteDialog(c);
    const box = c.page.locator('textarea[name=emails]');
    await box.fill('new.person@example.com, not-an-address');
    await c.page.click('button:has-text("Send invitations")');
    await c.page.locator('[role=dialog] .form-error', { hasText: 'Not an email address: not-an-address' }).waitFor();

    await box.fill('New Person <new.person@example.com>, outsider@elsewhere.org; root@example.com\npat@example.com');
    await c.page.click('button:has-text("Send invitations")');
    const results = c.page.locator('ul[aria-label="Invitation results"]');
    await results.waitFor();
    const row = (email: string) => results.locator(`li[data-email="${email}"]`).innerText();
    assert.match(await row('new.person@example.com'), 'Invitation sent');
    assert.match(await row('pat@example.com'), 'Invitation sent');
    assert.match(await row('root@example.com'), 'Already a member');
    assert.match(await row('outsider@elsewhere.org'), 'certain email domains');
    assert.match(await c.page.locator('[role=dialog] [role=status]').innerText(), '3 of 4 addresses done; 1 refused');
    // What was refused stays in the box to correct.
    assert.is(await box.inputValue(), 'outsider@elsewhere.org');
    assert.equal(await contrastProblems(c.page, '[role=dialog]'), []);
    await c.page.emulateMedia({ colorScheme: 'dark' });
    assert.equal(await contrastProblems(c.page, '[role=dialog]'), []);
    await c.page.emulateMedia({ colorScheme: 'light' });

    // Two invitation emails went out (and none for the invalid, refused or member addresses).
    await smtp.waitFor((m) => m.to.includes('new.person@example.com'), TIMEOUT);
    await smtp.waitFor((m) => m.to.includes('pat@example.com'), TIMEOUT);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(smtp.messages.map((m) => m.to.join()).sort(), ['new.person@example.com', 'pat@example.com']);
  });

  test('the emailed link opened logged out: sign up as the invited address (sign-up closed) → member of the team', async () => {
    const mail = await smtp.waitFor((m) => m.to.includes('new.person@example.com'));
    assert.is(mail.subject, '[Invite Test] Root Admin invited you to join The Crew');
    const link = linkIn(mail);
    const c = await client();
    await c.page.goto(link);
    await c.page.waitForURL(/\/signup\?next=/);
    await c.page.locator('[data-invite]', { hasText: 'Root Admin invited you to join The Crew' }).waitFor();
    assert.is(await c.page.inputValue('input[name=email]'), 'new.person@example.com');
    assert.ok(await c.page.locator('input[name=email]').evaluate((e) => (e as HTMLInputElement).readOnly));
    await c.page.fill('input[name=username]', 'newbie');
    await c.page.fill('input[name=password]', PW);
    await c.page.click('button[type=submit]');
    await c.page.waitForURL('**/crew/channels/town-square');
    await c.page.locator('main.chan[data-channel="town-square"]').waitFor();
    await loginApi('newbie');
    assert.ok(await inTeam('newbie'), 'newbie is a member of the team');
    // The link was spent by the sign-up.
    const token = new URL(link).searchParams.get('t');
    const spent = await api('', 'POST', '/auth/invite/info', { token });
    assert.is(spent.status, 400);
    assert.is(spent.body.error.code, 'invalid_invite_token');

    // A plain member of the invite-only team may not invite, nor see the team's link.
    await openInviteDialog(c);
    await c.page.locator('[role=dialog]', { hasText: 'Only team admins can invite people to this team by email' }).waitFor();
    await c.page.locator('[role=dialog]', { hasText: "Only team admins can see the team's invite link" }).waitFor();
    assert.is(await c.page.locator('textarea[name=emails]').count(), 0);
  });

  test('the emailed link followed by logging in (not signing up) joins the team', async () => {
    const link = linkIn(await smtp.waitFor((m) => m.to.includes('pat@example.com')));
    assert.not.ok(await inTeam('pat'));
    const c = await client();
    await c.page.goto(link);
    await c.page.waitForURL(/\/signup\?next=/);
    await c.page.locator('[data-invite]', { hasText: 'The Crew' }).waitFor();
    assert.is(await c.page.locator('[data-signup-closed]').count(), 0, 'an invitation is not told sign-up is closed');
    await c.page.click('text=Log in');
    await c.page.waitForURL(/\/login\?next=/);
    await c.page.locator('[data-invite]', { hasText: 'Log in to accept' }).waitFor();
    await logIn(c.page, 'pat', PW);
    await c.page.waitForURL('**/crew/channels/town-square');
    await c.page.locator('main.chan[data-channel="town-square"]').waitFor();
    assert.ok(await inTeam('pat'), 'pat is a member of the team');
  });

  test('the emailed link opened while signed in joins at once', async () => {
    const r = await api('root', 'POST', `/teams/${team.id}/invites`, { emails: ['quinn@example.com'] });
    assert.is(r.status, 200, JSON.stringify(r.body));
    const link = linkIn(await smtp.waitFor((m) => m.to.includes('quinn@example.com'), TIMEOUT));
    const c = await client();
    await logIn(c.page, 'quinn', PW);
    await c.page.waitForURL('**/create-team');
    await c.page.goto(link);
    await c.page.waitForURL('**/crew/channels/town-square');
    assert.ok(await inTeam('quinn'), 'quinn is a member of the team');
  });

  test('the team invite link: copied, and replaced by the team admin (the old one stops working)', async () => {
    const c = await client();
    await c.ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await logIn(c.page, 'root', PW);
    await c.page.waitForURL('**/crew/channels/town-square');
    await openInviteDialog(c);
    const input = c.page.locator('input[aria-label="Invite link"]');
    const old = await input.inputValue();
    assert.is(old, `${server.url}/invite/${team.id}/${team.invite_id}`);
    await c.page.click('[role=dialog] button:has-text("Copy link")');
    await c.page.locator('[role=dialog] button', { hasText: 'Copied' }).waitFor();
    assert.is(await c.page.evaluate(() => navigator.clipboard.readText()), old);

    await c.page.click('[role=dialog] button:has-text("Replace link")');
    // The confirmation sits above the dialog; Escape closes only it.
    await c.page.locator('[role=dialog][aria-label="Replace the invite link?"]').waitFor();
    await c.page.keyboard.press('Escape');
    await c.page.locator('[role=dialog][aria-label="Replace the invite link?"]').waitFor({ state: 'detached' });
    assert.is(await input.inputValue(), old);
    await c.page.click('[role=dialog] button:has-text("Replace link")');
    await c.page.locator('[role=dialog][aria-label="Replace the invite link?"] button', { hasText: 'Replace link' }).click();
    await c.page.waitForFunction((o) => (document.querySelector('input[aria-label="Invite link"]') as HTMLInputElement | null)?.value !== o, old);
    const now = (await api('root', 'GET', `/teams/${team.id}`)).body.invite_id as string;
    assert.is.not(now, team.invite_id);
    assert.is(await input.inputValue(), `${server.url}/invite/${team.id}/${now}`);

    // Opened signed out with sign-up closed, the team link's sign-up page says what is needed.
    const anon = await client();
    await anon.page.goto(`/invite/${team.id}/${now}`);
    await anon.page.waitForURL(/\/signup\?next=/);
    await anon.page.locator('[data-signup-closed]', { hasText: 'Sign-up is closed on this server' }).waitFor();

    // Someone outside the team: the old link is refused, the new one admits.
    const r = await api('root', 'POST', '/admin/users', { email: 'rae@example.com', username: 'rae', password: PW });
    assert.is(r.status, 201);
    await loginApi('rae');
    assert.is((await api('rae', 'POST', `/teams/${team.id}/join`, { invite_id: team.invite_id })).status, 403);
    const ok = await api('rae', 'POST', `/teams/${team.id}/join`, { invite_id: now });
    assert.ok(ok.status === 200 || ok.status === 201, JSON.stringify(ok.body));
  });

  test('no page logged an error', () => {
    for (const c of open) assert.equal(c.problems, []);
  });
}

test.run();
