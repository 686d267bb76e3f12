/**
 * Getting in, in a real browser (issue 13 items 3, 4 and 6, and "onboarding never strands
 * anyone"): the first account becomes the system admin and is walked to a first team, which is
 * invite-only unless opened; Log in → Create an account → Log in still logs in; an invite link
 * followed by logging in (not signing up) joins the team; deep links (channel, permalink)
 * survive the login; someone with no team is offered open teams, an invite-link field and log
 * out, and leaving one's last team leads back there. Outcomes are read back through the API.
 * Skipped (one "[skip]" line) without chromium.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { browserUnavailable, ensureWebBuilt, launch, logIn, openClient, signUp, startServer, type Client } from './harness.ts';
import type { ServerProcess } from '../../test/process.ts';
import { createPgDatabase, TEST_REDIS_URL } from '../../test/db.ts';

const skip = browserUnavailable();
let server: ServerProcess;
let browser: Browser;
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
const PW = 'correct-horse-battery';
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};
let team: { id: string; name: string; invite_id: string };
const open: Client[] = [];

async function api(who: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { ...(tokens[who] ? { authorization: `Bearer ${tokens[who]}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as any };
}
async function register(username: string) {
  const r = await api('', 'POST', '/auth/register', { email: `${username}@example.com`, username, password: PW });
  assert.is(r.status, 201, JSON.stringify(r.body));
  tokens[username] = r.body.token;
  ids[username] = r.body.user.id;
}
async function client(): Promise<Client> {
  const c = await openClient(browser, server.url);
  open.push(c);
  return c;
}
const myTeams = async (who: string) => (await api(who, 'GET', '/teams')).body.items as { id: string; name: string; type: string }[];

test.before(async () => {
  if (skip) return;
  try {
    await ensureWebBuilt();
    pg = await createPgDatabase();
    server = await startServer({
      env: {
        ...(pg ? { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: 'onboarding-browser-secret-'.padEnd(48, 'x') } : {}),
        ...(TEST_REDIS_URL ? { RUSTCHAT_REDIS_URL: TEST_REDIS_URL } : {}),
      },
    });
    browser = await launch();
  } catch (e) {
    console.error('setup failed', e);
    throw e;
  }
});

test.after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  await pg?.drop();
});

if (skip) {
  console.log(`[skip] onboarding browser suite skipped: ${skip}`);
} else {
  test('the first account is the system admin and creates a first team, invite-only by default', async () => {
    const { page } = await client();
    await page.goto('/');
    await page.waitForURL('**/login');
    await page.click('text=Create an account');
    await signUp(page, { email: 'ada@example.com', username: 'ada', password: PW });
    await page.locator('h1', { hasText: 'Welcome! Create your first team' }).waitFor();
    assert.not.ok(await page.isChecked('input[name=open_team]'), 'invite-only unless opened');
    await page.fill('input[name=team_name]', 'Lab');
    await page.click('button:has-text("Create team")');
    await page.waitForURL('**/lab/channels/town-square');
    tokens.ada = (await page.evaluate(() => localStorage.getItem('rustchat.token')))!;
    const me = (await api('ada', 'GET', '/auth/me')).body;
    ids.ada = me.id;
    assert.match(me.roles, 'system_admin');
    const [t] = await myTeams('ada');
    assert.is(t!.type, 'I');
    team = (await api('ada', 'GET', `/teams/${t!.id}`)).body;
    assert.ok(team.invite_id);
    // Invite-only: not offered to others.
    await register('bea');
    assert.not.ok((await api('bea', 'GET', '/teams/public')).body.items.some((x: any) => x.id === team.id));
  });

  test('Log in → Create an account → Log in still logs in (no sign-up field rules left behind)', async () => {
    const { page } = await client();
    await page.goto('/login');
    await page.click('text=Create an account');
    await page.waitForSelector('input[name=email]');
    await page.click('text=Log in');
    await page.waitForSelector('input[name=login_id]');
    assert.is(await page.getAttribute('input[name=password]', 'pattern'), null);
    await logIn(page, 'bea', PW);
    // Bea has no team: the next step is offered, not an empty page.
    await page.locator('h1', { hasText: 'Welcome! Create your first team' }).waitFor();
  });

  test('an invite link followed by logging in (not signing up) joins the team', async () => {
    await register('cyrus');
    const { page } = await client();
    await page.goto(`/invite/${team.id}/${team.invite_id}`);
    await page.waitForURL(/\/signup\?next=/);
    await page.click('text=Log in');
    await page.waitForURL(/\/login\?next=/);
    await logIn(page, 'cyrus', PW);
    await page.waitForURL('**/lab/channels/town-square');
    assert.ok((await myTeams('cyrus')).some((t) => t.id === team.id), 'cyrus is a member');
  });

  test('deep links survive the login: a channel, then a permalink', async () => {
    const ch = (await api('ada', 'POST', '/channels', { team_id: team.id, name: 'deep', display_name: 'Deep', type: 'public' })).body;
    await api('cyrus', 'POST', `/channels/${ch.id}/join`);
    for (let i = 0; i < 3; i++) await api('ada', 'POST', `/channels/${ch.id}/posts`, { message: `filler ${i}` });
    const target = (await api('ada', 'POST', `/channels/${ch.id}/posts`, { message: 'the permalinked message' })).body;

    let c = await client();
    await c.page.goto('/lab/channels/deep');
    await c.page.waitForURL(/\/login\?next=%2Flab%2Fchannels%2Fdeep$/);
    await logIn(c.page, 'cyrus', PW);
    await c.page.waitForURL('**/lab/channels/deep');
    await c.page.locator('main.chan[data-channel="deep"]').waitFor();

    c = await client();
    await c.page.goto(`/lab/pl/${target.id}`);
    await c.page.waitForURL(/\/login\?next=/);
    await logIn(c.page, 'cyrus', PW);
    await c.page.waitForURL('**/lab/channels/deep');
    await c.page.locator(`.post[data-post-id="${target.id}"]`).waitFor();
  });

  test('no dead ends: no team → open teams, invite link or log out; leaving the last team leads back', async () => {
    // An open team someone else made.
    const openTeam = (await api('cyrus', 'POST', '/teams', { name: 'plaza', display_name: 'Plaza', type: 'O' })).body;
    await register('dee');
    const { page } = await client();
    await logIn(page, 'dee', PW);
    await page.locator('h1', { hasText: 'Welcome! Create your first team' }).waitFor();
    await page.locator('section[aria-label="Teams you can join"] button', { hasText: 'Join Plaza' }).waitFor();
    assert.ok(await page.locator('button', { hasText: 'Log out' }).isVisible());
    // A junk link is explained, a real one joins.
    await page.fill('input[name=invite_link]', 'https://elsewhere.example/x');
    await page.click('button:has-text("Join with the link")');
    await page.locator('.form-error', { hasText: 'not an invite link' }).waitFor();
    await page.fill('input[name=invite_link]', `${server.url}/invite/${team.id}/${team.invite_id}`);
    await page.click('button:has-text("Join with the link")');
    await page.waitForURL('**/lab/channels/town-square');
    assert.ok((await myTeams('dee')).some((t) => t.id === team.id));

    // Leaving the only team: back to the page with next steps, and the server agrees.
    await page.click('button.team-name');
    await page.click('[role=menuitem]:has-text("Leave team")');
    await page.locator('[role=dialog] .modal-actions button', { hasText: 'Leave team' }).click();
    await page.waitForURL('**/create-team');
    assert.equal(await myTeams('dee'), []);
    await page.locator('section[aria-label="Teams you can join"] button', { hasText: 'Join Plaza' }).click();
    await page.waitForURL('**/plaza/channels/town-square');
    assert.ok((await myTeams('dee')).some((t) => t.id === openTeam.id));
  });

  test('a team opened at creation is listed for everyone', async () => {
    const { page } = await client();
    await logIn(page, 'bea', PW);
    await page.waitForSelector('input[name=team_name]');
    await page.fill('input[name=team_name]', 'Commons');
    await page.check('input[name=open_team]');
    await page.click('button:has-text("Create team")');
    await page.waitForURL('**/commons/channels/town-square');
    const t = (await myTeams('bea')).find((x) => x.name === 'commons')!;
    assert.is(t.type, 'O');
    assert.ok((await api('cyrus', 'GET', '/teams/public')).body.items.some((x: any) => x.id === t.id));
  });

  test('no page logged an error', () => {
    for (const c of open) assert.equal(c.problems, []);
  });
}

test.run();
