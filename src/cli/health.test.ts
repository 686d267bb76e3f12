// `rustchat health`, the container HEALTHCHECK: 0 while the server answers, 1 when it does not.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import { runCli, spawnServer, type ServerProcess } from '../../test/process.ts';

let s: ServerProcess;
test.before(async () => {
  s = await spawnServer();
});
test.after(async () => {
  await s?.stop();
});

test('exits 0 when /live and /ready answer 200, by --url or by server.port', async () => {
  assert.is((await runCli(['health', '--url', s.url])).code, 0);
  assert.is((await runCli(['health', '--ready', '--url', `${s.url}/`])).code, 0);
  const byPort = await runCli(['health'], { env: { RUSTCHAT_PORT: String(s.port) } });
  assert.is(byPort.code, 0, byPort.stderr);
});

test('exits 1 naming the URL when nothing answers or the answer is not 200', async () => {
  // A port that was free a moment ago: connection refused.
  const port = await new Promise<number>((resolve) => {
    const l = createServer().listen(0, '127.0.0.1', () => {
      const p = (l.address() as { port: number }).port;
      l.close(() => resolve(p));
    });
  });
  const down = await runCli(['health', '--url', `http://127.0.0.1:${port}`]);
  assert.is(down.code, 1);
  assert.match(down.stderr, `http://127.0.0.1:${port}/api/v1/health/live`);
  assert.match(down.stderr, /ECONNREFUSED/);
  const bad = await runCli(['health', '--timeout', 'soon']);
  assert.is(bad.code, 2, 'a usage error');
});

test.run();
