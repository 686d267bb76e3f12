/**
 * The Integrations screen in a real browser (issue 17 item 8): a team admin opens it from the team
 * menu, creates an incoming webhook and reads its URL from the dialog; a real HTTP POST to that URL
 * shows the message in the channel; the API agrees on what the screen made. Outgoing webhooks and
 * slash commands: create, edit, regenerate the token (shown once), delete. Bots (system admin):
 * create with a token shown once, add to the team, the token works, disable ends it. A plain
 * member sees the server's refusal. Text contrast in both dialogs and the page. Skipped (one
 * "[skip]" line) without chromium.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { browserUnavailable, type Client, contrastProblems, ensureWebBuilt, eventually, launch, logIn, openClient, startServer } from './harness.ts';
import type { ServerProcess } from '../../test/process.ts';

const skip = browserUnavailable();
let server: ServerProcess;
let browser: Browser;
const PW = 'correct-horse-battery';
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};
let teamId = '';
let inviteId = '';
let townSquare = '';
let A: Client; // alice: team admin
let B: Client; // bob: member
let R: Client; // root: system admin

async function api(who: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[who]}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}
async function register(username: string) {
  const res = await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `${username}@example.com`, username, password: PW }) });
  const body = (await res.json()) as any;
  assert.is(res.status, 201, JSON.stringify(body));
  tokens[username] = body.token;
  ids[username] = body.user.id;
}
/** The value shown in the "shown once" dialog, which is then closed. */
async function readSecret(page: Page, label: string): Promise<string> {
  const input = page.locator(`[role=dialog] input[aria-label="${label}"]`);
  await input.waitFor();
  assert.equal(await contrastProblems(page, '[role=dialog]'), [], `the "${label}" dialog: contrast`);
  const value = await input.inputValue();
  await page.locator('[role=dialog] button', { hasText: 'Done' }).click();
  await page.locator('[role=dialog]').waitFor({ state: 'detached' });
  return value;
}
async function confirm(page: Page, action: string) {
  await page.locator('[role=dialog] button.danger', { hasText: action }).click();
}
const row = (page: Page, attr: string, value: string) => page.locator(`tr[${attr}="${value}"]`);

test.before(async () => {
  if (skip) return;
  await ensureWebBuilt();
  server = await startServer();
  browser = await launch();
  for (const u of ['root', 'alice', 'bob']) await register(u);
  const team = await api('alice', 'POST', '/teams', { type: 'O', name: 'hooks', display_name: 'Hooks' });
  teamId = team.body.id;
  inviteId = team.body.invite_id;
  assert.is((await api('bob', 'POST', `/teams/${teamId}/join`, { invite_id: team.body.invite_id })).status, 201);
  townSquare = (await api('alice', 'GET', `/teams/${teamId}/channels`)).body.items.find((c: any) => c.name === 'town-square').id;
  A = await openClient(browser, server.url);
  B = await openClient(browser, server.url);
  await logIn(A.page, 'alice', PW);
  await logIn(B.page, 'bob', PW);
  await A.page.waitForURL('**/hooks/channels/town-square');
  await B.page.waitForURL('**/hooks/channels/town-square');
});

test.after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

if (skip) {
  console.log(`[skip] integrations browser suite skipped: ${skip}`);
} else {
  test('a team admin creates an incoming webhook; a POST to its URL shows the message; the API agrees', async () => {
    const page = A.page;
    await page.click('button.team-name');
    await page.locator('[role=menu] [role=menuitem]', { hasText: 'Integrations' }).click();
    await page.waitForURL('**/hooks/integrations');
    await page.locator('h2', { hasText: 'Incoming webhooks' }).waitFor();
    await page.locator('.muted', { hasText: 'No incoming webhooks yet' }).waitFor();

    await page.click('button:has-text("Add incoming webhook")');
    await page.fill('[role=dialog] input[name=display_name]', 'CI');
    await page.fill('[role=dialog] input[name=description]', 'build results');
    assert.is(await page.locator('[role=dialog] select[name=channel_id]').inputValue(), townSquare, 'Town Square is the default channel');
    assert.equal(await contrastProblems(page, '[role=dialog]'), [], 'the form: contrast');
    await page.click('[role=dialog] button[type=submit]');
    assert.equal(await contrastProblems(page, '[role=dialog]'), [], 'the URL dialog: contrast');
    const url = await readSecret(page, 'Webhook URL');
    assert.match(url, new RegExp(`^${server.url}/hooks/[a-z0-9]{26}$`));
    const hookId = url.split('/').pop()!;
    await row(page, 'data-hook', hookId).waitFor();
    assert.equal(await contrastProblems(page, '.page'), [], 'the page: contrast');

    // The API holds what the screen made.
    const listed = (await api('alice', 'GET', `/hooks/incoming?team_id=${teamId}`)).body.items;
    assert.equal(
      listed.map((h: any) => [h.id, h.display_name, h.description, h.channel_id, h.creator_id]),
      [[hookId, 'CI', 'build results', townSquare, ids.alice]],
    );

    // A tool posts to the URL the dialog showed.
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Build **#42** passed' }) });
    assert.is(res.status, 200);
    assert.is(await res.text(), 'ok');
    // Bob, in the channel, sees it live; alice after going back to chat.
    await B.page.locator('.post', { hasText: 'Build #42 passed' }).waitFor();
    await page.click('a:has-text("Back to Hooks")');
    await page.waitForURL('**/hooks/channels/town-square');
    await page.locator('.post', { hasText: 'Build #42 passed' }).waitFor();
    const posts = (await api('alice', 'GET', `/channels/${townSquare}/posts`)).body.items;
    const p = posts.find((x: any) => x.message === 'Build **#42** passed');
    assert.is(p.props.from_webhook, 'true');
    assert.is(p.user_id, ids.alice);

    // Edit (lock it to its channel), then delete: the URL stops working.
    await page.goto('/hooks/integrations/incoming_webhooks');
    await row(page, 'data-hook', hookId).locator('button', { hasText: 'Edit' }).click();
    await page.fill('[role=dialog] input[name=display_name]', 'CI builds');
    await page.check('[role=dialog] input[name=channel_locked]');
    await page.click('[role=dialog] button[type=submit]');
    await row(page, 'data-hook', hookId).locator('strong', { hasText: 'CI builds' }).waitFor();
    const edited = (await api('alice', 'GET', `/hooks/incoming/${hookId}`)).body;
    assert.is(edited.display_name, 'CI builds');
    assert.is(edited.channel_locked, true);
    await row(page, 'data-hook', hookId).locator('button', { hasText: 'Delete' }).click();
    await confirm(page, 'Delete');
    await row(page, 'data-hook', hookId).waitFor({ state: 'detached' });
    assert.is((await api('alice', 'GET', `/hooks/incoming/${hookId}`)).status, 404);
    assert.is((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"x"}' })).status, 400);
    assert.equal(A.problems, []);
  });

  test('outgoing webhooks and slash commands: create (token shown), edit, regenerate, delete', async () => {
    const page = A.page;
    await page.goto('/hooks/integrations/outgoing_webhooks');
    await page.click('button:has-text("Add outgoing webhook")');
    await page.fill('[role=dialog] input[name=display_name]', 'Deployer');
    await page.fill('[role=dialog] input[name=trigger_words]', 'deploy, ship');
    await page.fill('[role=dialog] textarea[name=callback_urls]', 'https://bots.example.com/deploy');
    await page.selectOption('[role=dialog] select[name=content_type]', 'application/json');
    await page.click('[role=dialog] button[type=submit]');
    const token = await readSecret(page, 'Token');
    let hook = (await api('alice', 'GET', `/hooks/outgoing?team_id=${teamId}`)).body.items[0];
    assert.equal([hook.display_name, hook.trigger_words, hook.callback_urls, hook.content_type, hook.token], ['Deployer', ['deploy', 'ship'], ['https://bots.example.com/deploy'], 'application/json', token]);
    await row(page, 'data-hook', hook.id).locator('button', { hasText: 'Edit' }).click();
    await page.selectOption('[role=dialog] select[name=trigger_when]', '1');
    await page.click('[role=dialog] button[type=submit]');
    await page.locator('[role=dialog]').waitFor({ state: 'detached' });
    await eventually('trigger_when saved', async () => (await api('alice', 'GET', `/hooks/outgoing/${hook.id}`)).body.trigger_when === 1);
    await row(page, 'data-hook', hook.id).locator('button', { hasText: 'Regenerate token' }).click();
    await confirm(page, 'Regenerate');
    const fresh = await readSecret(page, 'Token');
    assert.is.not(fresh, token);
    hook = (await api('alice', 'GET', `/hooks/outgoing/${hook.id}`)).body;
    assert.is(hook.token, fresh);
    await row(page, 'data-hook', hook.id).locator('code', { hasText: fresh }).waitFor();

    await page.click('a:has-text("Slash commands")');
    await page.waitForURL('**/hooks/integrations/commands');
    await page.click('button:has-text("Add slash command")');
    await page.fill('[role=dialog] input[name=trigger]', '/weather');
    await page.fill('[role=dialog] input[name=url]', 'https://bots.example.com/weather');
    await page.fill('[role=dialog] input[name=auto_complete_hint]', '[city]');
    await page.click('[role=dialog] button[type=submit]');
    const cmdToken = await readSecret(page, 'Token');
    const cmd = (await api('alice', 'GET', `/commands?team_id=${teamId}`)).body.items.find((c: any) => c.trigger === 'weather');
    assert.equal([cmd.url, cmd.method, cmd.auto_complete, cmd.auto_complete_hint, cmd.token], ['https://bots.example.com/weather', 'P', true, '[city]', cmdToken]);
    // The composer now offers it.
    await page.goto('/hooks/channels/town-square');
    await page.click('textarea[aria-label="Write a message"]');
    await page.keyboard.type('/wea');
    await page.locator('text=/weather').first().waitFor();
    await page.fill('textarea[aria-label="Write a message"]', '');
    await page.goto('/hooks/integrations/commands');
    await row(page, 'data-command', 'weather').locator('button', { hasText: 'Delete' }).click();
    await confirm(page, 'Delete');
    await row(page, 'data-command', 'weather').waitFor({ state: 'detached' });
    assert.is((await api('alice', 'GET', `/commands/${cmd.id}`)).status, 404);
    assert.equal(A.problems, []);
  });

  test('a plain member has no menu entry, and the page shows the server’s refusal', async () => {
    const page = B.page;
    await page.click('button.team-name');
    await page.locator('[role=menu][aria-label="Team menu"]').waitFor();
    assert.is(await page.locator('[role=menu] [role=menuitem]', { hasText: 'Integrations' }).count(), 0);
    await page.keyboard.press('Escape');
    await page.goto('/hooks/integrations/incoming_webhooks');
    await page.locator('[role=alert]', { hasText: 'Only team admins' }).waitFor();
    assert.is(await page.locator('button:has-text("Add incoming webhook")').count(), 0);
  });

  test('an attachment-only webhook post renders its Slack attachments (colour bar, links, markdown, fields, image as a link)', async () => {
    const hook = await api('alice', 'POST', '/hooks/incoming', { channel_id: townSquare, display_name: 'Alerts' });
    assert.is(hook.status, 201, JSON.stringify(hook.body));
    const ts = 1_700_000_000;
    const payload = {
      attachments: [
        {
          fallback: 'Build #43 failed',
          color: 'danger',
          pretext: 'CI says: *attention*',
          author_name: 'ci-bot',
          author_link: 'https://ci.example.com/bot',
          author_icon: 'https://ci.example.com/bot.png',
          title: 'Build #43 failed',
          title_link: 'https://ci.example.com/builds/43',
          text: 'The **main** branch is red',
          fields: [
            { title: 'Branch', value: 'main', short: true },
            { title: 'Duration', value: '3m 12s', short: true },
            { title: 'Failed tests', value: 'auth.test.ts, posts.test.ts', short: false },
          ],
          image_url: 'https://ci.example.com/graph.png',
          footer: 'CI pipeline',
          footer_icon: 'https://ci.example.com/icon.png',
          ts,
        },
        { color: 'red; background: url(https://evil.example/x)', title: 'Sneaky title', title_link: 'javascript:alert(1)', text: 'second one' },
      ],
    };
    const res = await fetch(`${server.url}/hooks/${hook.body.id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    assert.is(res.status, 200);
    const stored = (await api('alice', 'GET', `/channels/${townSquare}/posts`)).body.items.find((x: any) => x.props?.attachments);
    assert.is(stored.message, '', 'attachment-only');

    const page = A.page;
    await page.goto('/hooks/channels/town-square');
    const post = page.locator('.post', { has: page.locator('.slack-atts') });
    await post.waitFor();
    const att = post.locator('.slack-att').first();
    await att.locator('.slack-att-pretext em', { hasText: 'attention' }).waitFor();
    const title = att.locator('.slack-att-title a');
    assert.is(await title.innerText(), 'Build #43 failed');
    assert.is(await title.getAttribute('href'), 'https://ci.example.com/builds/43');
    assert.is(await title.getAttribute('target'), '_blank');
    assert.is(await title.getAttribute('rel'), 'noopener noreferrer');
    assert.is(await att.locator('.slack-att-author a').getAttribute('href'), 'https://ci.example.com/bot');
    assert.is(await att.locator('.slack-att-text strong').innerText(), 'main');
    assert.is(await att.locator('.slack-att-text').innerText(), 'The main branch is red');
    assert.equal(await att.locator('.slack-att-field-title').allInnerTexts(), ['Branch', 'Duration', 'Failed tests']);
    assert.equal(await att.locator('.slack-att-field-value').allInnerTexts(), ['main', '3m 12s', 'auth.test.ts, posts.test.ts']);
    // Short fields share a row; the long one takes the next.
    const boxes = await att.locator('.slack-att-field').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => [Math.round(r.top), Math.round(r.left)]));
    assert.is(boxes[0]![0], boxes[1]![0], 'two short fields on one row');
    assert.ok(boxes[1]![1] > boxes[0]![1], 'side by side');
    assert.ok(boxes[2]![0] > boxes[0]![0], 'the long field below');
    const bar = (i: number) => post.locator('.slack-att-bar').nth(i).evaluate((e) => getComputedStyle(e).backgroundColor);
    assert.is(await bar(0), 'rgb(163, 2, 0)', 'danger is red');
    const grey = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--muted').trim());
    assert.is(grey, '#5f6776');
    assert.is(await bar(1), 'rgb(95, 103, 118)', 'an invalid colour falls back to grey');
    // The CSP loads no external images: the image is a link, and no <img> is drawn for any URL.
    const image = att.locator('a.slack-att-image');
    assert.is(await image.getAttribute('href'), 'https://ci.example.com/graph.png');
    assert.match(await image.innerText(), /Image.*ci\.example\.com/);
    assert.is(await post.locator('.slack-atts img').count(), 0);
    assert.match(await att.locator('.slack-att-footer').innerText(), /^CI pipeline · /);
    // A javascript: link is plain text.
    const second = post.locator('.slack-att').nth(1);
    assert.is(await second.locator('.slack-att-title').innerText(), 'Sneaky title');
    assert.is(await second.locator('.slack-att-title a').count(), 0);
    assert.is(await post.locator('a[href^="javascript"]').count(), 0);
    assert.equal(await contrastProblems(page, '.slack-atts'), [], 'attachments: contrast (light)');

    // Dark theme: same contrast check.
    const D = await openClient(browser, server.url, undefined, 'dark');
    await logIn(D.page, 'bob', PW);
    await D.page.waitForURL('**/hooks/channels/town-square');
    await D.page.locator('.post .slack-att-title', { hasText: 'Build #43 failed' }).waitFor();
    assert.equal(await contrastProblems(D.page, '.slack-atts'), [], 'attachments: contrast (dark)');
    assert.equal(D.problems, []);
    await D.ctx.close();
    assert.equal(A.problems, []);
  });

  test('bots (system admin): create with a token shown once, add to the team, post, tokens, disable', async () => {
    // root is a member of no team yet: join so the team's page is theirs.
    assert.is((await api('root', 'POST', `/teams/${teamId}/join`, { invite_id: inviteId })).status, 201);
    R = await openClient(browser, server.url);
    await logIn(R.page, 'root', PW);
    await R.page.waitForURL('**/hooks/channels/town-square');
    const page = R.page;
    await page.goto('/hooks/integrations/bots');
    await page.click('button:has-text("Add bot account")');
    await page.fill('[role=dialog] input[name=username]', 'buildbot');
    await page.fill('[role=dialog] input[name=display_name]', 'Build bot');
    assert.equal(await contrastProblems(page, '[role=dialog]'), [], 'the bot form: contrast');
    await page.click('[role=dialog] button[type=submit]');
    const botToken = await readSecret(page, 'Access token');
    const me = await fetch(`${server.url}/api/v4/users/me`, { headers: { authorization: `Bearer ${botToken}` } });
    const meBody = (await me.json()) as any;
    assert.is(meBody.username, 'buildbot');
    assert.is(meBody.is_bot, true);

    await row(page, 'data-bot', 'buildbot').locator('button', { hasText: 'Add to team' }).click();
    await eventually('the bot joined the team', async () => (await api('root', 'GET', `/teams/${teamId}/members`)).body.items?.some((m: any) => m.user_id === meBody.id));
    assert.is((await api('root', 'POST', `/channels/${townSquare}/members`, { user_id: meBody.id })).status, 200);
    await A.page.goto('/hooks/channels/town-square');
    await A.page.locator('textarea[aria-label="Write a message"]').waitFor();
    const posted = await fetch(`${server.url}/api/v1/channels/${townSquare}/posts`, { method: 'POST', headers: { authorization: `Bearer ${botToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ message: 'beep from the bot' }) });
    assert.is(posted.status, 201);
    await A.page.locator('.post', { hasText: 'beep from the bot' }).waitFor();

    await row(page, 'data-bot', 'buildbot').locator('button', { hasText: 'Tokens' }).click();
    await page.locator('[role=dialog] tr[data-token]').first().waitFor();
    assert.is(await page.locator('[role=dialog] tr[data-token]').count(), 1);
    assert.equal(await contrastProblems(page, '[role=dialog]'), [], 'the tokens dialog: contrast');
    assert.not.ok((await page.locator('[role=dialog]').innerText()).includes(botToken), 'never shown again');
    await page.locator('[role=dialog] button', { hasText: 'Done' }).click();

    await row(page, 'data-bot', 'buildbot').locator('button', { hasText: 'Disable' }).click();
    await confirm(page, 'Disable');
    await row(page, 'data-bot', 'buildbot').waitFor({ state: 'detached' });
    assert.is((await fetch(`${server.url}/api/v4/users/me`, { headers: { authorization: `Bearer ${botToken}` } })).status, 401);
    await page.getByLabel('Show disabled').check();
    await row(page, 'data-bot', 'buildbot').locator('td', { hasText: 'Disabled' }).waitFor();
    assert.equal(R.problems, []);
  });
}

test.run();
