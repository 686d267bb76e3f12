/**
 * The system console's Teams, Channels, Audit log and Site settings pages in a real browser
 * (issue 13): server-side search and paging with member counts, membership moves, archive and
 * restore, audit filters (actor, action, time range) and paging, site settings with per-field
 * validation, server information. Every outcome is checked through the API. Skipped (one
 * "[skip]" line) without chromium.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { browserUnavailable, type Client, contrastProblems, ensureWebBuilt, eventually, launch, logIn, openClient, startServer } from './harness.ts';
import type { ServerProcess } from '../../test/process.ts';
import { createPgDatabase, TEST_REDIS_URL } from '../../test/db.ts';

const skip = browserUnavailable();
let server: ServerProcess;
let browser: Browser;
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
let A: Client;
const PW = 'correct-horse-battery';
let root = { id: '', token: '' };
let erin = { id: '', token: '' };
let bob = { id: '', token: '' };
let beta: any;
let secret: any;
const TEAMS = 52;

async function api(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
}
const R = (method: string, path: string, body?: unknown) => api(root.token, method, path, body);
const confirm = (page: Page, action: string) => page.locator('[role=dialog] .modal-actions button', { hasText: action }).click();
const teamMembers = async (teamId: string) => (await R('GET', `/admin/teams/${teamId}/members`)).body.items.map((m: any) => m.username);
const channelMembers = async (id: string) => (await R('GET', `/admin/channels/${id}/members`)).body.items.map((m: any) => m.username);
async function tab(page: Page, name: string) {
  await page.click(`nav[aria-label="Console sections"] a:has-text("${name}")`);
  await page.locator(`nav[aria-label="Console sections"] a[aria-current=page]:has-text("${name}")`).waitFor();
}

test.before(async () => {
  if (skip) return;
  try {
    await ensureWebBuilt();
    pg = await createPgDatabase();
    server = await startServer({
      env: {
        ...(pg ? { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: 'console-teams-secret-'.padEnd(48, 'x') } : {}),
        ...(TEST_REDIS_URL ? { RUSTCHAT_REDIS_URL: TEST_REDIS_URL } : {}),
      },
    });
    browser = await launch();
    const reg = async (username: string) => {
      const r = await api('', 'POST', '/auth/register', { email: `${username}@example.com`, username, password: PW });
      assert.is(r.status, 201, JSON.stringify(r.body));
      return { id: r.body.user.id, token: r.body.token };
    };
    root = await reg('root');
    await R('PATCH', '/admin/config', { open_signup: true });
    erin = await reg('erin');
    bob = await reg('bob');
    await R('POST', '/teams', { type: 'O', name: 'hq', display_name: 'HQ' });
    for (let i = 0; i < TEAMS - 2; i++) assert.is((await api(erin.token, 'POST', '/teams', { type: 'O', name: `squad-${String(i).padStart(2, '0')}`, display_name: `Squad ${i}` })).status, 201);
    beta = (await api(erin.token, 'POST', '/teams', { type: 'O', name: 'beta', display_name: 'Beta Team' })).body;
    secret = (await api(erin.token, 'POST', '/channels', { team_id: beta.id, name: 'secret', display_name: 'Secret plans', type: 'private' })).body;
    A = await openClient(browser, server.url);
    await logIn(A.page, 'root', PW);
    await A.page.waitForURL('**/hq/channels/town-square');
    await A.page.goto('/admin/teams');
    await A.page.locator('tr[data-team="beta"]').waitFor();
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
  console.log(`[skip] console teams browser suite skipped: ${skip}`);
} else {
  test('teams: every team with member counts, paged and searched on the server', async () => {
    const page = A.page;
    const rows = page.locator('tbody tr');
    await eventually('the first page', async () => (await rows.count()) === 50);
    await page.click('button:has-text("Load more")');
    await eventually('every team', async () => (await rows.count()) === TEAMS);
    assert.is(await page.locator('button:has-text("Load more")').count(), 0);
    assert.is((await R('GET', '/admin/teams?limit=200')).body.items.length, TEAMS);
    await page.fill('input[aria-label="Search teams"]', 'squad 4');
    await eventually('squads 4 and 40–49', async () => (await rows.count()) === 11);
    await page.fill('input[aria-label="Search teams"]', 'beta');
    await eventually('one match', async () => (await rows.count()) === 1);
    assert.is(await page.locator('tr[data-team="beta"] td.num').innerText(), '1');
  });

  test('teams: add and remove a member; the server agrees and the count follows', async () => {
    const page = A.page;
    await page.locator('tr[data-team="beta"] button:has-text("Members")').click();
    await page.locator('[role=dialog] li[data-username="erin"]').waitFor();
    await page.fill('[role=dialog] input[aria-label="Find people to add"]', 'bob');
    await page.click('[role=dialog] button[aria-label="Add @bob"]');
    await page.locator('[role=dialog] li[data-username="bob"]').waitFor();
    assert.equal(await teamMembers(beta.id), ['bob', 'erin']);
    // bob really is in: his own teams list has Beta.
    assert.ok((await api(bob.token, 'GET', '/teams')).body.items.some((t: any) => t.name === 'beta'));
    await page.click('[role=dialog] button[aria-label="Remove @bob"]');
    await confirm(page, 'Remove');
    await page.locator('[role=dialog] li[data-username="bob"]').waitFor({ state: 'detached' });
    assert.equal(await teamMembers(beta.id), ['erin']);
    await page.fill('[role=dialog] input[aria-label="Find people to add"]', 'bob');
    await page.click('[role=dialog] button[aria-label="Add @bob"]');
    await page.locator('[role=dialog] li[data-username="bob"]').waitFor();
    assert.equal(await teamMembers(beta.id), ['bob', 'erin']);
    await page.keyboard.press('Escape');
    await eventually('the row counts 2', async () => (await page.locator('tr[data-team="beta"] td.num').innerText()) === '2');
  });

  test('teams: archive (confirmed) hides it from its members; restore brings it back', async () => {
    const page = A.page;
    const row = page.locator('tr[data-team="beta"]');
    await row.locator('button:has-text("Archive")').click();
    await confirm(page, 'Archive team');
    await row.locator('td', { hasText: 'Archived' }).waitFor();
    assert.ok((await R('GET', '/admin/teams?state=archived')).body.items.some((t: any) => t.name === 'beta'));
    assert.not.ok((await api(erin.token, 'GET', '/teams')).body.items.some((t: any) => t.name === 'beta'));
    await row.locator('button:has-text("Restore")').click();
    await row.locator('td', { hasText: 'Active' }).waitFor();
    assert.ok((await api(erin.token, 'GET', '/teams')).body.items.some((t: any) => t.name === 'beta'));
  });

  test('channels: a private channel the admin is not in; members added (team members only) and removed; archive and restore', async () => {
    const page = A.page;
    await tab(page, 'Channels');
    await page.fill('input[aria-label="Search channels"]', 'secret');
    const row = page.locator('tr[data-channel="secret"]');
    await row.waitFor();
    await eventually('one match', async () => (await page.locator('tbody tr').count()) === 1);
    assert.is(await row.locator('td.num').innerText(), '1');
    assert.match(await row.innerText(), /Private/);

    // carol is not in Beta: refused with the server's reason, nothing changes.
    await api('', 'POST', '/auth/register', { email: 'carol@example.com', username: 'carol', password: PW });
    await row.locator('button:has-text("Members")').click();
    await page.fill('[role=dialog] input[aria-label="Find people to add"]', 'carol');
    await page.click('[role=dialog] button[aria-label="Add @carol"]');
    await page.locator('[role=dialog] [role=alert]', { hasText: 'add them to the team first' }).waitFor();
    assert.equal(await channelMembers(secret.id), ['erin']);

    await page.fill('[role=dialog] input[aria-label="Find people to add"]', 'bob');
    await page.click('[role=dialog] button[aria-label="Add @bob"]');
    await page.locator('[role=dialog] li[data-username="bob"]').waitFor();
    assert.equal(await channelMembers(secret.id), ['bob', 'erin']);
    assert.is((await api(bob.token, 'GET', `/channels/${secret.id}`)).status, 200, 'bob can read it now');
    await page.click('[role=dialog] button[aria-label="Remove @erin"]');
    await confirm(page, 'Remove');
    await page.locator('[role=dialog] li[data-username="erin"]').waitFor({ state: 'detached' });
    assert.equal(await channelMembers(secret.id), ['bob']);
    assert.is((await api(erin.token, 'GET', `/channels/${secret.id}`)).status, 403);
    await page.keyboard.press('Escape');
    await eventually('row count follows', async () => (await row.locator('td.num').innerText()) === '1');

    await row.locator('button:has-text("Archive")').click();
    await confirm(page, 'Archive channel');
    await row.locator('td', { hasText: 'Archived' }).waitFor();
    assert.ok((await R('GET', `/channels/${secret.id}`)).body.delete_at > 0);
    await row.locator('button:has-text("Restore")').click();
    await row.locator('td', { hasText: 'Active' }).waitFor();
    assert.is((await R('GET', `/channels/${secret.id}`)).body.delete_at, 0);
  });

  test('audit log: filters by action, actor and time range; pages', async () => {
    const page = A.page;
    await tab(page, 'Audit log');
    const rows = page.locator('tbody tr');
    await rows.first().waitFor();
    await page.fill('input[aria-label="Action"]', 'team_member_add');
    await eventually('only team_member_add', async () => {
      const actions = await page.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')));
      return actions.length === 2 && actions.every((a) => a === 'team_member_add');
    });
    assert.is((await R('GET', '/admin/audit?action=team_member_add')).body.items.length, 2);
    assert.match(await rows.first().innerText(), /@root/);
    assert.match(await rows.first().innerText(), /user_id: @bob/);

    await page.fill('input[aria-label="Action"]', '');
    await page.fill('input[aria-label="Actor"]', 'erin');
    const erins = (await R('GET', `/admin/audit?actor_id=${erin.id}&limit=500`)).body.items;
    assert.ok(erins.length >= 1 && erins.length < 50);
    await eventually("erin's entries only", async () => {
      const actors = await page.locator('tbody tr td:nth-child(2)').allInnerTexts();
      return actors.length === erins.length && actors.every((a) => a === '@erin');
    });
    await page.fill('input[aria-label="Actor"]', 'nobody-here');
    await page.locator('[role=alert]', { hasText: 'No account is called @nobody-here' }).waitFor();
    await page.fill('input[aria-label="Actor"]', '');

    // A range in the future: nothing; a range around now: today's entries.
    await page.fill('input[aria-label="From"]', '2099-01-01T00:00');
    await page.locator('text=No entries match.').waitFor();
    await page.fill('input[aria-label="From"]', '2000-01-01T00:00');
    await page.fill('input[aria-label="Until"]', '2099-01-01T00:00');
    for (let i = 0; i < 40; i++) assert.is((await api('', 'POST', '/auth/login', { login_id: 'bob', password: PW })).status, 200);
    await page.click('button:has-text("Refresh")');
    const total = (await R('GET', '/admin/audit?limit=500')).body.items.length;
    assert.ok(total > 50, `${total} entries`);
    await eventually('first page', async () => (await rows.count()) === 50);
    await page.click('button:has-text("Load more")');
    await eventually('every entry', async () => (await rows.count()) === total);
    await page.fill('input[aria-label="From"]', '');
    await page.fill('input[aria-label="Until"]', '');
  });

  test('site settings: problems shown under their field, nothing saved; a valid change is saved; reset to the file', async () => {
    const page = A.page;
    await tab(page, 'Site settings');
    const name = page.locator('input[name=site_name]');
    await name.fill('   ');
    await page.click('form button:has-text("Save")');
    await page.locator('#site-name-error', { hasText: 'Enter a site name' }).waitFor();
    assert.is(await name.getAttribute('aria-invalid'), 'true');
    await name.fill('x'.repeat(65));
    await page.click('form button:has-text("Save")');
    await page.locator('#site-name-error', { hasText: 'At most 64 characters' }).waitFor();
    assert.is((await api('', 'GET', '/site/info')).body.site_name, 'RustChat', 'nothing saved');

    await name.fill('Acme Chat');
    await page.uncheck('input[name=open_signup]');
    await page.click('form button:has-text("Save")');
    await page.locator('.toast', { hasText: 'Settings saved' }).waitFor();
    assert.is(await page.locator('#site-name-error').count(), 0);
    const info = (await api('', 'GET', '/site/info')).body;
    assert.is(info.site_name, 'Acme Chat');
    assert.is(info.open_signup, false);
    await page.click('button:has-text("Use the configuration file\'s value") >> nth=0');
    await eventually('site name back to the file', async () => (await api('', 'GET', '/site/info')).body.site_name === 'RustChat');
    await eventually('the field shows the file value', async () => (await name.inputValue()) === 'RustChat');
    assert.equal((await R('GET', '/admin/config')).body.overridden, ['open_signup']);
  });

  test('integration settings: a refused value is shown under its field and nothing saved; changes saved; reset', async () => {
    const page = A.page;
    const form = page.locator('form[aria-labelledby="integrations-h"]');
    const rate = form.locator('input[name=incoming_webhook_rate_per_minute]');
    await rate.fill('0');
    await form.locator('button:has-text("Save")').click();
    await form.locator('#ig-incoming_webhook_rate_per_minute-error').waitFor();
    assert.is(await rate.getAttribute('aria-invalid'), 'true');
    const before = (await R('GET', '/admin/integration-settings')).body;
    assert.is(before.settings.incoming_webhook_rate_per_minute, 60, 'nothing saved');
    await rate.fill('lots');
    await form.locator('button:has-text("Save")').click();
    await form.locator('#ig-incoming_webhook_rate_per_minute-error').waitFor();
    assert.is((await R('GET', '/admin/integration-settings')).body.settings.incoming_webhook_rate_per_minute, 60);

    await rate.fill('120');
    await form.locator('input[name=enable_commands]').uncheck();
    await form.locator('select[name=personal_access_tokens]').selectOption('everyone');
    await form.locator('button:has-text("Save")').click();
    await page.locator('.toast', { hasText: 'Integration settings saved' }).waitFor();
    assert.is(await form.locator('.field-error').count(), 0);
    const after = (await R('GET', '/admin/integration-settings')).body;
    assert.equal([after.settings.incoming_webhook_rate_per_minute, after.settings.enable_commands, after.settings.personal_access_tokens], [120, false, 'everyone']);
    assert.equal([...after.overridden].sort(), ['enable_commands', 'incoming_webhook_rate_per_minute', 'personal_access_tokens']);
    // The switch really works: erin may now make a personal access token.
    assert.is((await api(erin.token, 'POST', `/users/${erin.id}/tokens`, { description: 'ci' })).status, 201);
    await form.locator('[data-setting="enable_commands"] button:has-text("configuration file")').click();
    await eventually('commands back to the file value', async () => (await R('GET', '/admin/integration-settings')).body.settings.enable_commands === true);
    await eventually('the box follows', async () => await form.locator('input[name=enable_commands]').isChecked());
  });

  test('server info: version, database, storage, readiness, uptime and live sockets as the server says', async () => {
    const page = A.page;
    const info = (await R('GET', '/admin/server')).body;
    const value = (k: string) => page.locator(`.server-info [data-key="${k}"] dd`).innerText();
    await page.locator('.server-info').waitFor();
    assert.is(await value('Version'), info.version);
    assert.is(await value('Commit'), info.commit);
    assert.match(await value('Database'), pg ? /PostgreSQL: ok/ : /Embedded \(PGlite\): ok/);
    assert.match(await value('Redis'), TEST_REDIS_URL ? /^ok$/ : /not configured/);
    assert.match(await value('File storage'), /Local directory: ok/);
    assert.is(await value('Readiness'), 'ok');
    assert.match(await value('Uptime'), /\d+ (min|h|d)/);
    assert.ok(Number(await value('Live WebSocket connections (this process)')) >= 1, 'this browser is connected');
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`console pages and dialogs are readable (${scheme} theme)`, async () => {
      const page = A.page;
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForFunction((t) => document.documentElement.dataset.theme === t, scheme);
      for (const [name, ready] of [
        ['Teams', 'tbody tr'],
        ['Channels', 'tbody tr'],
        ['Audit log', 'tbody tr'],
        ['Site settings', '.server-info'],
      ] as const) {
        await tab(page, name);
        await page.locator(ready).first().waitFor();
        assert.equal(await contrastProblems(page, '.page'), [], `${name} (${scheme})`);
      }
      await tab(page, 'Teams');
      await page.locator('tr[data-team="hq"] button:has-text("Members")').click();
      await page.locator('[role=dialog] li[data-username="root"]').waitFor();
      assert.equal(await contrastProblems(page, '[role=dialog]'), [], `members dialog (${scheme})`);
      await page.keyboard.press('Escape');
    });
  }

  test('no page logged an error', () => {
    assert.equal(A.problems.filter((p) => !/status of 400/.test(p)), []);
  });
}

test.run();
