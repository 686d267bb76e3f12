/**
 * Messaging depth in a real browser (issue 15 items 4-8): GFM tables and task lists rendered as
 * elements (never HTML from the author), search results with the matched words marked.
 * Skipped (one "[skip]" line) without chromium.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { browserUnavailable, contrastProblems, ensureWebBuilt, launch, logIn, openClient, sendMessage, startServer, type Client } from './harness.ts';
import type { ServerProcess } from '../../test/process.ts';

const skip = browserUnavailable();
let server: ServerProcess;
let browser: Browser;
const PW = 'correct-horse-battery';
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};
let teamId = '';
let A: Client;
let B: Client;

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

test.before(async () => {
  if (skip) return;
  await ensureWebBuilt();
  server = await startServer();
  browser = await launch();
  for (const u of ['root', 'alice', 'bob']) await register(u);
  const team = await api('alice', 'POST', '/teams', { type: 'O', name: 'depth', display_name: 'Depth' });
  teamId = team.body.id;
  assert.is((await api('bob', 'POST', `/teams/${teamId}/join`, { invite_id: team.body.invite_id })).status, 201);
  A = await openClient(browser, server.url);
  B = await openClient(browser, server.url);
  await logIn(A.page, 'alice', PW);
  await logIn(B.page, 'bob', PW);
  await A.page.waitForURL('**/depth/channels/town-square');
  await B.page.waitForURL('**/depth/channels/town-square');
});

test.after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

if (skip) {
  console.log(`[skip] messaging browser suite skipped: ${skip}`);
} else {
  test('a GFM table and a task list arrive as a table and checkboxes; HTML in a cell stays text', async () => {
    await sendMessage(A.page, 'Release plan:\n| Step | Owner | Done |\n| :-- | :-: | --: |\n| build | **ci** | 1 |\n| <img src=x onerror=alert(1)> | bob | 0 |');
    const table = B.page.locator('.post .md-table');
    await table.waitFor();
    assert.equal(await table.locator('th').allInnerTexts(), ['Step', 'Owner', 'Done']);
    assert.is(await table.locator('tbody tr').count(), 2);
    assert.is(await table.locator('tbody tr').first().locator('td strong').innerText(), 'ci');
    assert.is(await table.locator('img').count(), 0, 'the <img> typed in a cell is not an element');
    assert.match(await table.locator('tbody tr').nth(1).innerText(), '<img src=x onerror=alert(1)>');
    assert.is(await table.locator('th').nth(2).evaluate((el) => getComputedStyle(el).textAlign), 'right');

    await sendMessage(A.page, 'Todo:\n- [x] write the tests\n- [ ] ship it');
    const boxes = B.page.locator('.post .task-list input[type=checkbox]');
    await boxes.nth(1).waitFor();
    assert.equal(await boxes.evaluateAll((els) => els.map((e) => [(e as HTMLInputElement).checked, (e as HTMLInputElement).disabled])), [
      [true, true],
      [false, true],
    ]);
    assert.equal(await contrastProblems(B.page, '.post .md-table'), []);
    assert.equal(B.problems, []);
  });

  test('text typed into the composer right after a channel switch is kept, not replaced by the stored draft', async () => {
    const page = A.page;
    for (const [from, to] of [
      ['town-square', 'off-topic'],
      ['off-topic', 'town-square'],
    ] as const) {
      await page.click(`a[data-channel="${from}"]`);
      await page.locator(`main.chan[data-channel="${from}"]`).waitFor();
      // Types the moment the new channel's composer is in the DOM: before the effects of its
      // first render, which run after the next paint.
      const kept = await page.evaluate(`new Promise((resolve) => {
        const sel = 'main.chan[data-channel="${to}"] textarea[aria-label="Write a message"]';
        const mo = new MutationObserver(() => {
          const ta = document.querySelector(sel);
          if (!ta) return;
          mo.disconnect();
          ta.value = 'typed at once';
          ta.dispatchEvent(new Event('input', { bubbles: true }));
          const settle = () => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => resolve(document.querySelector(sel).value), 100)));
          setTimeout(settle, 0);
        });
        mo.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-channel'] });
        document.querySelector('a[data-channel="${to}"]').click();
      })`);
      assert.is(kept, 'typed at once', `switching from ${from} to ${to}`);
      await page.fill(`main.chan[data-channel="${to}"] textarea[aria-label="Write a message"]`, '');
    }
  });

  test('search results mark the matched words', async () => {
    await sendMessage(A.page, 'The deployment of the gateway finished; deploying again tomorrow');
    await B.page.fill('input[aria-label="Search messages"]', 'gateway');
    await B.page.press('input[aria-label="Search messages"]', 'Enter');
    const result = B.page.locator('.rpanel .result', { hasText: 'deployment of the gateway' });
    await result.waitFor();
    assert.equal(await result.locator('mark.search-hit').allInnerTexts(), ['gateway']);
    // Stemmed matches come from the server: "deploy" finds and marks "deployment" and "deploying".
    await B.page.fill('input[aria-label="Search messages"]', 'deploy');
    await B.page.press('input[aria-label="Search messages"]', 'Enter');
    const hits = B.page.locator('.rpanel .result', { hasText: 'deployment of the gateway' }).locator('mark.search-hit');
    // The previous search's result (marking "gateway") stays until the new answer replaces it.
    await hits.filter({ hasText: 'deploying' }).waitFor();
    assert.equal((await hits.allInnerTexts()).sort(), ['deploying', 'deployment']);
    assert.equal(await contrastProblems(B.page, '.rpanel .result'), []);
  });
}

test.run();
