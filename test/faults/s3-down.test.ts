/**
 * S3 down (issue 11, item 9): s3rver, started by the test, is stopped while a `serve` process
 * uses it. Chat keeps working, uploads answer 503 storage_unavailable (never 500), readiness
 * answers 200 with `"status": "degraded"` and `"s3": "down"` (a load balancer keeps the node; it
 * answered 503 before), the metrics say `rustchat_dependency_up{dependency="s3"} 0`, and when
 * S3 returns uploads work again without a restart.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnServer, type ServerProcess } from '../process.ts';
import { startS3rver, multipart, type S3Server } from '../files.ts';
import { api, ok, registerUser, until } from '../realtime.ts';

let s3: S3Server | undefined;
let server: ServerProcess | undefined;
test.after(async () => {
  await server?.stop('SIGKILL');
  await s3?.cleanup();
});

test('S3 stopped mid-session: chat works, uploads 503, readiness degraded (200), back without a restart', async () => {
  s3 = await startS3rver();
  server = await spawnServer({
    timeoutMs: 120_000,
    env: {
      RUSTCHAT_S3_ENDPOINT: s3.endpoint,
      RUSTCHAT_S3_BUCKET: 'uploads',
      RUSTCHAT_S3_ACCESS_KEY: 'S3RVER',
      RUSTCHAT_S3_SECRET_KEY: 'S3RVER',
      RUSTCHAT_S3_FORCE_PATH_STYLE: 'true',
      RUSTCHAT_S3_CREATE_BUCKET: 'true',
    },
  });
  const base = server.url;
  const a = api(base);
  const admin = await registerUser(a, 'adm');
  const team = await ok(a('POST', '/teams', { type: 'O', name: `t${Date.now().toString(36)}`, display_name: 'Team' }, admin.token));
  const ch = await ok(a('POST', '/channels', { team_id: team.id, name: `c${Date.now().toString(36)}`, display_name: 'C', type: 'public' }, admin.token));
  const upload = async (name: string) => {
    const { body, contentType } = multipart([{ name: 'channel_id', value: ch.id }, { name: 'files', filename: name, type: 'text/plain', data: Buffer.from(`contents of ${name}`) }]);
    const res = await fetch(`${base}/api/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': contentType }, body: new Uint8Array(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const ready = async () => {
    const res = await fetch(`${base}/api/v1/health/ready`);
    return { status: res.status, body: (await res.json()) as any };
  };
  const s3Up = async () => /rustchat_dependency_up\{dependency="s3"\} (\d)/.exec(await (await fetch(`${base}/metrics`)).text())?.[1];

  const first = await upload('before.txt');
  assert.is(first.status, 201, JSON.stringify(first.body));
  assert.equal((await ready()).body, { status: 'ok', checks: (await ready()).body.checks });

  await s3.stop();
  const r = await ready();
  assert.is(r.status, 200, `readiness with S3 down: ${JSON.stringify(r.body)}`);
  assert.is(r.body.status, 'degraded');
  assert.is(r.body.checks.s3, 'down');
  assert.is(r.body.checks.database, 'ok');
  assert.is(await s3Up(), '0');
  const post = await a('POST', `/channels/${ch.id}/posts`, { message: 'chat without S3' }, admin.token);
  assert.is(post.status, 201, JSON.stringify(post.body));
  const failed = await upload('during.txt');
  assert.is(failed.status, 503, JSON.stringify(failed.body));
  assert.is(failed.body.error.code, 'storage_unavailable');
  const dl = await fetch(`${base}/api/v1/files/${first.body.items[0].id}`, { headers: { authorization: `Bearer ${admin.token}` } });
  assert.is(dl.status, 503);
  await dl.arrayBuffer();

  await s3.start();
  await until(async () => (await ready()).body.status === 'ok', 'readiness ok once S3 is back', 15_000);
  const again = await upload('after.txt');
  assert.is(again.status, 201, JSON.stringify(again.body));
  assert.is(await s3Up(), '1');
  assert.not.match(server.output(), /unhandled error/, 'no request failed as an unhandled error');
});

test.run();
