// `serve` with S3 storage as a process: a missing bucket stops it with a clear message; with
// s3.create_bucket it starts, /health/ready checks the bucket, and says degraded (200) once S3 is gone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import { spawnServer, tempDir, type ServerProcess } from '../../test/process.ts';
import { startS3rver, type S3Server } from '../../test/files.ts';

let s3: S3Server;
let server: ServerProcess | undefined;
const dirs: string[] = [];

test.before(async () => {
  s3 = await startS3rver();
});

test.after(async () => {
  await server?.stop();
  await s3.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({
  RUSTCHAT_S3_ENDPOINT: s3.endpoint,
  RUSTCHAT_S3_BUCKET: 'uploads',
  RUSTCHAT_S3_ACCESS_KEY: 'S3RVER',
  RUSTCHAT_S3_SECRET_KEY: 'S3RVER',
  RUSTCHAT_S3_FORCE_PATH_STYLE: 'true',
  ...extra,
});

test('a missing bucket stops the server with a message naming it and the fix', async () => {
  const d = tempDir();
  dirs.push(d);
  try {
    server = await spawnServer({ dataDir: d, env: env(), timeoutMs: 120_000 });
    assert.unreachable('started without its bucket');
  } catch (e) {
    const msg = (e as Error).message;
    assert.match(msg, /server exited \(1\)/);
    assert.match(msg, /bucket "uploads" does not exist/);
    assert.match(msg, /s3\.create_bucket/);
  }
  server = undefined;
});

test('create_bucket: starts, ready checks the bucket, degraded (200) when S3 goes away', async () => {
  const d = tempDir();
  dirs.push(d);
  server = await spawnServer({ dataDir: d, env: env({ RUSTCHAT_S3_CREATE_BUCKET: "true" }), timeoutMs: 120_000 });
  let res = await fetch(`${server.url}/api/v1/health/ready`);
  assert.is(res.status, 200);
  assert.is((await res.json()).checks.s3, 'ok');
  await s3.stop();
  try {
    res = await fetch(`${server.url}/api/v1/health/ready`);
    assert.is(res.status, 200, 'S3 away does not take the node out of rotation');
    const body = await res.json();
    assert.is(body.status, 'degraded');
    assert.is(body.checks.s3, 'down');
    assert.is(body.checks.database, 'ok');
  } finally {
    await s3.start();
  }
});

test.run();
