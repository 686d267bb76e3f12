import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { testApp, testConfig } from '../../test/app.ts';
import { tempDir } from '../../test/process.ts';
import { AdminStream, AdminUnavailableError, callAdmin, callAdminRaw, registerAdminOp, startAdminSocket } from './socket.ts';
import { runAdminOp } from './run.ts';
import { badRequest } from '../errors.ts';

const dataDir = tempDir('rustchat-admin-sock-');
const t = await testApp({ config: { 'server.data_dir': dataDir } });

registerAdminOp('test.echo', async ({ args }) => ({ echoed: args, at: 1 }));
registerAdminOp('test.fail', async () => {
  throw badRequest('bad_thing', 'that was bad', { why: 'because' });
});
registerAdminOp('test.crash', async () => {
  throw new Error('boom');
});
registerAdminOp('test.stream', async ({ args }) => new AdminStream(Readable.from([`${args.prefix}-a`, '-b', '-c']), 'application/x-tar', 'x.tar'));
registerAdminOp('test.upload', async ({ body }) => {
  let n = 0;
  for await (const chunk of body) n += (chunk as Buffer).length;
  return { bytes: n };
});
registerAdminOp('test.db', async ({ deps }) => (await deps.db.query<{ one: number }>('select 1 as one'))[0]);

const readAll = async (s: AsyncIterable<unknown>) => {
  let out = '';
  for await (const c of s) out += String(c);
  return out;
};

test('no server: AdminUnavailableError (missing file, or a stale socket file)', async () => {
  try {
    await callAdmin(dataDir, 'test.echo');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, AdminUnavailableError);
  }
  writeFileSync(join(dataDir, 'admin.sock'), ''); // a leftover regular file
  try {
    await callAdmin(dataDir, 'test.echo');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, AdminUnavailableError);
  }
});

let server: Awaited<ReturnType<typeof startAdminSocket>>;

test('serves JSON, streams, uploads and errors over a 0600 socket (replacing a stale file)', async () => {
  server = await startAdminSocket(t.deps);
  assert.ok(server);
  assert.is(server!.path, join(dataDir, 'admin.sock'));
  assert.ok(statSync(server!.path).isSocket());
  assert.is(statSync(server!.path).mode & 0o777, 0o600);

  assert.equal(await callAdmin(dataDir, 'test.echo', { a: [1, 'ü'] }), { echoed: { a: [1, 'ü'] }, at: 1 });
  assert.equal(await callAdmin(dataDir, 'test.db'), { one: 1 });

  const res = await callAdminRaw(dataDir, 'test.stream', { prefix: 'p' });
  assert.is(res.headers['content-type'], 'application/x-tar');
  assert.is(res.headers['x-admin-filename'], 'x.tar');
  assert.is(await readAll(res), 'p-a-b-c');

  const up = await callAdmin(dataDir, 'test.upload', {}, { body: Readable.from([Buffer.alloc(100_000), Buffer.alloc(23)]) });
  assert.equal(up, { bytes: 100_023 });

  for (const [op, status, code] of [
    ['test.fail', 400, 'bad_thing'],
    ['test.crash', 500, 'internal_error'],
    ['no.such-op', 404, 'unknown_op'],
  ] as const) {
    try {
      await callAdmin(dataDir, op);
      assert.unreachable(op);
    } catch (e: any) {
      assert.is(e.status, status, op);
      assert.is(e.code, code, op);
    }
  }
});

test('runAdminOp uses the socket when a server listens (same result shape as direct mode)', async () => {
  const cfg = testConfig({ 'server.data_dir': dataDir });
  assert.equal(await runAdminOp(cfg, 'test.echo', { x: 1 }), { echoed: { x: 1 }, at: 1 });
  let got = '';
  await runAdminOp(cfg, 'test.stream', { prefix: 'q' }, { onStream: async (s) => void (got = await readAll(s)) });
  assert.is(got, 'q-a-b-c');
});

test('close removes the socket file', async () => {
  await server!.close();
  assert.not.ok(existsSync(join(dataDir, 'admin.sock')));
});

test('runAdminOp opens the data directory itself when no server listens', async () => {
  const dir = tempDir('rustchat-admin-direct-');
  const cfg = testConfig({ 'server.data_dir': dir });
  assert.equal(await runAdminOp(cfg, 'test.db', {}), { one: 1 });
  let got = '';
  await runAdminOp(cfg, 'test.stream', { prefix: 'd' }, { onStream: async (s) => void (got = await readAll(s)) });
  assert.is(got, 'd-a-b-c');
  assert.ok(existsSync(join(dir, 'pg')), 'embedded database created and migrated');
  assert.not.ok(existsSync(join(dir, 'rustchat.lock')), 'lock released');
});

test.after(() => t.close());
test.run();
