/**
 * The files UI in a real browser against a real server: attach by button and by paste, progress
 * and cancel, send, the image inline (decoded from an authenticated blob: URL) with its viewer, and
 * other files as download cards. Skipped (one "[skip]" line) when chromium is not installed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { browserUnavailable, contrastProblems, ensureWebBuilt, launch, openClient, signUp, startServer, type Client } from '../../test/harness.ts';
import type { ServerProcess } from '../../../test/process.ts';

const skip = browserUnavailable();
let server: ServerProcess;
let browser: Browser;
let A: Client;
// A valid 1×1 PNG, so the browser really decodes it.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const FILE_INPUT = '.composer-files input[type=file]';

test.before(async () => {
  if (skip) return;
  await ensureWebBuilt();
  server = await startServer();
  browser = await launch();
  A = await openClient(browser, server.url);
});

test.after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

if (skip) {
  console.log(`[skip] files browser suite skipped: ${skip}`);
} else {
  test('sign up and reach a channel', async () => {
    await A.page.goto('/');
    await A.page.click('text=Create an account');
    await signUp(A.page, { email: 'fay@example.com', username: 'fay', password: 'correct-horse-battery' });
    await A.page.waitForSelector('input[name=team_name]');
    await A.page.fill('input[name=team_name]', 'Uploads');
    await A.page.click('button[type=submit]');
    await A.page.waitForURL('**/uploads/channels/town-square');
  });

  test('attach by button: progress, then the image inline and a download card', async () => {
    await A.page.setInputFiles(FILE_INPUT, [
      { name: 'dot.png', mimeType: 'image/png', buffer: PNG },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('some notes\n') },
    ]);
    await A.page.locator('.pending-files li.ready').nth(1).waitFor();
    await A.page.fill('textarea[aria-label="Write a message"]', 'two files');
    await A.page.press('textarea[aria-label="Write a message"]', 'Enter');
    const post = A.page.locator('.post[data-post-id]', { hasText: 'two files' });
    await post.waitFor();
    assert.is(await A.page.locator('.pending-files li').count(), 0, 'composer cleared');
    const img = post.locator('.post-image img');
    await img.waitFor();
    assert.match((await img.getAttribute('src'))!, /^blob:/);
    await A.page.waitForFunction(() => (document.querySelector('.post-image img') as HTMLImageElement | null)?.naturalWidth === 1);
    const card = post.locator('.file-card', { hasText: 'notes.txt' });
    await card.waitFor();
    const [download] = await Promise.all([A.page.waitForEvent('download'), card.locator('button.file-download').click()]);
    assert.is(download.suggestedFilename(), 'notes.txt');
    // The viewer.
    await post.locator('.post-image').click();
    await A.page.locator('.image-viewer img').waitFor();
    for (const scheme of ['light', 'dark'] as const) {
      await A.page.emulateMedia({ colorScheme: scheme });
      await A.page.waitForFunction((t) => document.documentElement.dataset.theme === t, scheme);
      assert.equal(await contrastProblems(A.page, '[role=dialog]'), [], `viewer text readable (${scheme})`);
    }
    await A.page.emulateMedia({ colorScheme: 'light' });
    await A.page.keyboard.press('Escape');
    await A.page.locator('.image-viewer').waitFor({ state: 'detached' });
  });

  test('paste a file, drop a file, and cancel an upload in progress', async () => {
    await A.page.focus('textarea[aria-label="Write a message"]');
    await A.page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['pasted text'], 'clip.txt', { type: 'text/plain' }));
      document.querySelector('textarea[aria-label="Write a message"]')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    });
    await A.page.locator('.pending-files li.ready', { hasText: 'clip.txt' }).waitFor();
    await A.page.locator('.pending-files li', { hasText: 'clip.txt' }).locator('.pending-remove').click();
    assert.is(await A.page.locator('.pending-files li').count(), 0);

    // Drag and drop onto the composer: the drop target lights up, then the file uploads.
    await A.page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped'], 'dropped.txt', { type: 'text/plain' }));
      const box = document.querySelector('.composer')!;
      box.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    // The class is set by a state update that renders asynchronously: wait for it.
    await A.page.locator('.composer-wrap.drop-target').waitFor({ timeout: 5000 });
    await A.page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped'], 'dropped.txt', { type: 'text/plain' }));
      document.querySelector('.composer')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await A.page.locator('.pending-files li.ready', { hasText: 'dropped.txt' }).waitFor();
    await A.page.locator('.composer-wrap.drop-target').waitFor({ state: 'detached', timeout: 5000 });
    await A.page.locator('.pending-files li', { hasText: 'dropped.txt' }).locator('.pending-remove').click();

    // Slow the upload down so it can be cancelled while in flight.
    await A.page.route('**/api/v1/files', async (route) => {
      await new Promise((r) => setTimeout(r, 3000));
      await route.continue().catch(() => {});
    });
    await A.page.setInputFiles(FILE_INPUT, [{ name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(2 * 1024 * 1024, 7) }]);
    const item = A.page.locator('.pending-files li.uploading', { hasText: 'big.bin' });
    await item.waitFor();
    assert.is(await item.locator('progress').count(), 1);
    await item.locator('button[aria-label^="Cancel upload"]').click();
    await A.page.locator('.pending-files li').waitFor({ state: 'detached' });
    await A.page.unroute('**/api/v1/files');
  });

  test('no page errors or CSP violations', () => {
    assert.equal(A.problems, []);
  });
}

test.run();
