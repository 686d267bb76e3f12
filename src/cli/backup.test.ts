// `rustchat backup` as processes: a backup of a running embedded server through its admin socket,
// --keep pruning, list, restore into a fresh data directory, and the refusals (non-empty target,
// server running).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { callAdminRaw } from '../admin/socket.ts';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runCli as run, spawnServer, tempDir, type ServerProcess } from '../../test/process.ts';

// Generous: a fresh embedded data directory runs initdb, and the machine is shared.
const runCli = (args: string[]) => run(args, { timeoutMs: 240_000 });
import { multipart } from '../../test/files.ts';
import { createPgDatabase } from '../../test/db.ts';
import { openPglite } from '../db/pglite.ts';
import { openPostgres } from '../db/postgres.ts';

const dirs: string[] = [];
const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};
let server: ServerProcess | undefined;

test.after(async () => {
  await server?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function api(base: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

test('backup a running embedded server over the admin socket, prune, list, restore elsewhere', async () => {
  const a = dir();
  server = await spawnServer({ dataDir: a, timeoutMs: 120_000 });
  const base = server.url;
  const reg = await api(base, 'POST', '/api/v1/auth/register', undefined, { email: 'ann@example.com', username: 'ann', password: 'correct horse battery' });
  assert.is(reg.status, 201, JSON.stringify(reg.body));
  const token = reg.body.token;
  const team = await api(base, 'POST', '/api/v1/teams', token, { type: 'O', name: 'acme', display_name: 'Acme' });
  assert.is(team.status, 201, JSON.stringify(team.body));
  const channels = await api(base, 'GET', `/api/v1/teams/${team.body.id}/channels`, token);
  const items = channels.body.items ?? channels.body;
  const channelId = items.find((c: any) => c.name === 'town-square').id;
  const bytes = randomBytes(200_000);
  const mp = multipart([{ name: 'channel_id', value: channelId }, { name: 'files', filename: 'data.bin', data: bytes }]);
  const up = await fetch(`${base}/api/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': mp.contentType }, body: new Uint8Array(mp.body) });
  assert.is(up.status, 201);
  const fileId = (await up.json()).items[0].id;
  const post = await api(base, 'POST', `/api/v1/channels/${channelId}/posts`, token, { message: 'the data', file_ids: [fileId] });
  assert.is(post.status, 201, JSON.stringify(post.body));

  const out = dir();
  for (let i = 0; i < 3; i++) {
    const r = await runCli(['backup', 'create', '--data-dir', a, '--output', `${out}/`, '--keep', '2', '--json']);
    assert.is(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout);
    assert.is(res.manifest.files.count, 1);
    assert.is(res.manifest.tables.find((t: any) => t.name === 'posts').rows >= 1, true);
    if (i < 2) await new Promise((resolve) => setTimeout(resolve, 1100)); // names carry the second
  }
  assert.match(server.output(), /backup snapshot taken/, 'the server copied its database for each backup');
  assert.equal(readdirSync(a).filter((n) => n.startsWith('.backup-snapshot-')), [], 'the copies are gone');
  // A caller that goes away without cleaning up (killed): the server deletes the copy when the connection ends.
  const conn = await callAdminRaw(a, 'backup.snapshot', {});
  const [first] = (await once(conn, 'data')) as [Buffer];
  const copy = JSON.parse(first.toString('utf8').split('\n')[0]!).dir as string;
  assert.ok(existsSync(join(copy, 'global', 'pg_control')), 'the copy is there while the caller is connected');
  conn.destroy();
  for (let i = 0; i < 100 && existsSync(copy); i++) await new Promise((r) => setTimeout(r, 100));
  assert.not.ok(existsSync(copy), 'and gone once it disconnected');
  const kept = readdirSync(out).filter((n) => n.endsWith('.tar.gz'));
  assert.is(kept.length, 2, `kept ${kept.join(', ')}`);
  const list = await runCli(['backup', 'list', out, '--json']);
  assert.is(list.code, 0, list.stderr);
  const listed = JSON.parse(list.stdout);
  assert.is(listed.length, 2);
  assert.is(listed[0].rows.users, 1);

  // Restore refuses to touch a data directory a server is using.
  const busy = await runCli(['backup', 'restore', join(out, kept[0]), '--data-dir', a]);
  assert.is(busy.code, 1);
  assert.match(busy.stderr, /in use/);
  await server.stop();
  server = undefined;

  const b = dir();
  const restored = await runCli(['backup', 'restore', join(out, kept[1]), '--data-dir', b]);
  assert.is(restored.code, 0, restored.stderr);
  assert.match(restored.stdout, /restored \d+ rows and 1 files/);
  const again = await runCli(['backup', 'restore', join(out, kept[1]), '--data-dir', b]);
  assert.is(again.code, 1);
  assert.match(again.stderr, /not empty.*--force/);

  server = await spawnServer({ dataDir: b, timeoutMs: 120_000 });
  const login = await api(server.url, 'POST', '/api/v1/auth/login', undefined, { login_id: 'ann', password: 'correct horse battery' });
  assert.is(login.status, 200, JSON.stringify(login.body));
  const res = await fetch(`${server.url}/api/v1/files/${fileId}`, { headers: { authorization: `Bearer ${login.body.token}` } });
  assert.is(res.status, 200);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(bytes), 'file bytes survive the move');
  const posts = await api(server.url, 'GET', `/api/v1/channels/${channelId}/posts`, login.body.token);
  assert.ok(JSON.stringify(posts.body).includes('the data'));
});

test('a backup taken while posts are written restores (into PostgreSQL when configured) with the root of every reply and the channel of every post', async () => {
  await server?.stop();
  const a = dir();
  server = await spawnServer({ dataDir: a, timeoutMs: 120_000 });
  const base = server.url;
  const reg = await api(base, 'POST', '/api/v1/auth/register', undefined, { email: 'bo@example.com', username: 'bob', password: 'correct horse battery' });
  assert.is(reg.status, 201, JSON.stringify(reg.body));
  const token = reg.body.token;
  const team = await api(base, 'POST', '/api/v1/teams', token, { type: 'O', name: 'busy', display_name: 'Busy' });
  assert.is(team.status, 201, JSON.stringify(team.body));

  // Two writers: each makes a channel every few threads, then roots and replies in it.
  const acked: string[] = [];
  let stop = false;
  let failures = 0;
  const writer = async (w: number) => {
    let channelId = '';
    for (let i = 0; !stop; i++) {
      if (i % 4 === 0) {
        const ch = await api(base, 'POST', '/api/v1/channels', token, { team_id: team.body.id, name: `w${w}-${i}`, display_name: `W${w} ${i}`, type: 'public' });
        if (ch.status !== 201) {
          failures++;
          continue;
        }
        channelId = ch.body.id;
      }
      const root = await api(base, 'POST', `/api/v1/channels/${channelId}/posts`, token, { message: `root ${w} ${i}` });
      if (root.status !== 201) {
        failures++;
        continue;
      }
      acked.push(root.body.id);
      for (let r = 0; r < 2; r++) {
        const reply = await api(base, 'POST', `/api/v1/channels/${channelId}/posts`, token, { message: `reply ${w} ${i} ${r}`, root_id: root.body.id });
        if (reply.status === 201) acked.push(reply.body.id);
        else failures++;
      }
    }
  };
  const writers = [writer(1), writer(2)];
  await new Promise((r) => setTimeout(r, 1500));
  const before = [...acked];
  const out = dir();
  const r = await runCli(['backup', 'create', '--data-dir', a, '--output', `${out}/`, '--json']);
  const during = acked.length - before.length;
  stop = true;
  await Promise.all(writers);
  assert.is(r.code, 0, r.stderr);
  assert.is(failures, 0, 'no post failed while the backup ran');
  assert.ok(before.length > 0 && during > 0, `posts before (${before.length}) and during (${during}) the backup`);
  assert.match(server.output(), /backup snapshot taken/);
  const file = JSON.parse(r.stdout).file as string;
  await server.stop();
  server = undefined;

  const pg = await createPgDatabase();
  const b = dir();
  try {
    const env = pg ? { RUSTCHAT_DATABASE_URL: pg.url } : {};
    const restored = await run(['backup', 'restore', file, '--data-dir', b], { timeoutMs: 240_000, env });
    assert.is(restored.code, 0, restored.stderr);
    const db = pg ? await openPostgres(pg.url) : await openPglite({ dataDir: join(b, 'pg') });
    try {
      const [orphans] = await db.query<{ n: number }>(`select count(*)::int as n from posts p where p.root_id <> '' and not exists (select 1 from posts r where r.id = p.root_id)`);
      assert.is(orphans!.n, 0, 'every reply has its root');
      const [lost] = await db.query<{ n: number }>(`select count(*)::int as n from posts p where not exists (select 1 from channels c where c.id = p.channel_id)`);
      assert.is(lost!.n, 0, 'no post without its channel');
      const found = await db.query<{ id: string }>('select id from posts where id = any($1::text[])', [before]);
      assert.is(found.length, before.length, 'every post acknowledged before the backup started is in it');
      const [all] = await db.query<{ n: number }>(`select count(*)::int as n from posts where message like 'root %' or message like 'reply %'`);
      assert.ok(all!.n >= before.length && all!.n <= acked.length, `${all!.n} posts restored, ${before.length}..${acked.length} expected`);
    } finally {
      await db.close();
    }
  } finally {
    await pg?.drop();
  }
});

test('bad usage: --keep with stdout, list of a missing directory, restore of a missing file', async () => {
  const d = dir();
  let r = await runCli(['backup', 'create', '--data-dir', d, '--output', '-', '--keep', '2']);
  assert.is(r.code, 2);
  r = await runCli(['backup', 'list', join(d, 'nope')]);
  assert.is(r.code, 2);
  r = await runCli(['backup', 'restore', join(d, 'nope.tar.gz'), '--data-dir', d]);
  assert.is(r.code, 2);
  r = await runCli(['backup', 'create', '--keep', '0', '--data-dir', d]);
  assert.is(r.code, 2);
});

test.run();
