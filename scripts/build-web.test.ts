/**
 * The web build's budget (issue 13): the app shell stays at most 150 KB of gzipped JavaScript and
 * never contains the system console or account settings (lazy chunks); over budget, the build fails.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error plain ES module without types
import { buildWeb, SHELL_GZIP_BUDGET } from './build-web.mjs';

const dir = mkdtempSync(join(tmpdir(), 'rustchat-web-budget-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('the app shell is within 150 KB gzip and the console is a lazy chunk', async () => {
  assert.is(SHELL_GZIP_BUDGET, 150 * 1024);
  const r = await buildWeb(join(dir, 'ok'));
  assert.ok(r.jsGzipBytes > 10 * 1024, 'measured something');
  assert.ok(r.jsGzipBytes <= SHELL_GZIP_BUDGET, `shell ${r.jsGzipBytes} bytes gzip`);
  assert.ok(r.shellInputs.includes('web/src/main.tsx'));
  assert.equal(r.shellInputs.filter((i: string) => i.startsWith('web/src/components/admin/')), [], 'console in the shell');
  // The console's code is in the build, in some other (lazy) chunk.
  assert.ok(r.totalJsGzipBytes > r.jsGzipBytes);
});

test('a shell over its budget fails the build', async () => {
  try {
    await buildWeb(join(dir, 'over'), { shellGzipBudget: 10 * 1024 });
    assert.unreachable('built over budget');
  } catch (e) {
    assert.match((e as Error).message, /over its budget of 10 KB/);
  }
});

test.run();
