// The online copy of an embedded database (pglite-snapshot.ts): taken while transactions keep
// committing, with rows written between the copy of the data files and the copy of the log, and
// with a checkpoint in the middle; the copy, opened (crash recovery), holds exactly a consistent
// state with every row acknowledged before the copy began.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPglite, type PgliteDb } from './pglite.ts';
import { snapshotPglite, SnapshotSpaceError } from './pglite-snapshot.ts';

const dir = mkdtempSync(join(tmpdir(), 'rustchat-snapshot-test-'));
let db: PgliteDb;

test.before(async () => {
  db = await openPglite({ dataDir: join(dir, 'pg') });
  await db.exec(`
    create table channels (id int primary key, posts int not null default 0);
    create table posts (id int primary key, channel_id int not null references channels(id), root_id int, message text not null);
    create index posts_root on posts (root_id);
    insert into channels (id) select g from generate_series(1, 20) g;
  `);
  // Enough rows that the data files are several MB.
  await db.exec(`insert into posts select g, 1 + g % 20, null, repeat('x', 200) || g from generate_series(1, 20000) g; update channels set posts = (select count(*) from posts where channel_id = channels.id)`);
});
test.after(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Posts roots and replies (a reply in the same transaction as its root's counter update) until stopped. */
function writer(startId: number) {
  let next = startId;
  let stopped = false;
  const acked: number[] = [];
  const done = (async () => {
    while (!stopped) {
      const root = next++;
      const reply = next++;
      const channel = 1 + (root % 20);
      await db.transaction(async (tx) => {
        await tx.query(`insert into posts values ($1, $2, null, 'root')`, [root, channel]);
        await tx.query(`insert into posts values ($1, $2, $3, 'reply')`, [reply, channel, root]);
        await tx.query(`update channels set posts = posts + 2 where id = $1`, [channel]);
      });
      acked.push(root, reply);
      // Also rewrite old pages, so the fuzzy copy sees pages that change under it.
      await db.query(`update posts set message = message || '.' where id = $1`, [1 + (root % 20000)]);
      // PGlite answers through microtasks only: let timers and I/O in between.
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  return {
    acked,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

async function check(copyDir: string, ids: number[]) {
  const mustHave = [...new Set(ids)];
  const copy = await openPglite({ dataDir: copyDir, scratch: true });
  try {
    const [orphans] = await copy.query<{ n: number }>(`select count(*)::int as n from posts p where root_id is not null and not exists (select 1 from posts r where r.id = p.root_id)`);
    assert.is(orphans!.n, 0, 'every reply has its root');
    const wrong = await copy.query(`select c.id from channels c where c.posts <> (select count(*) from posts p where p.channel_id = c.id)`);
    assert.equal(wrong, [], 'counters agree with the rows (one transaction, all or nothing)');
    const have = new Set((await copy.query<{ id: number }>('select id from posts where id = any($1::int[])', [mustHave])).map((r) => r.id));
    assert.is(have.size, mustHave.length, 'every post acknowledged before the copy started is in it');
    return (await copy.query<{ n: number }>('select count(*)::int as n from posts'))[0]!.n;
  } finally {
    await copy.close();
  }
}

test('a copy taken while transactions commit is one consistent moment, with everything acknowledged before it', async () => {
  const w = writer(1_000_000);
  await new Promise((r) => setTimeout(r, 300));
  const before = [...w.acked];
  let during = 0;
  let beforeLog: number[] = [];
  const target = join(dir, 'copy1');
  const r = await snapshotPglite(db, target, {
    // Between the data files and the log: these rows exist only in the log of the copy.
    afterDataFiles: async () => {
      await db.exec(`insert into posts select g, 1, null, 'late' from generate_series(2000000, 2004999) g; update channels set posts = posts + 5000 where id = 1`);
      during = 5000;
      beforeLog = [...w.acked];
    },
  });
  await w.stop();
  assert.is(r.attempts, 1);
  assert.ok(r.heldMaxMs >= 0 && r.bytes > 1_000_000, JSON.stringify(r));
  assert.ok(r.heldWalBytes < 1024 * 1024, `log copied while holding: ${r.heldWalBytes}`);
  const lateIds = Array.from({ length: during }, (_, i) => 2_000_000 + i);
  const n = await check(target, [...before, ...lateIds, ...beforeLog]);
  assert.ok(beforeLog.length > before.length, 'posts were written during the copy');
  assert.ok(n >= 20000 + before.length + during);
});

test('a checkpoint during the copy: it starts over and the copy is still right', async () => {
  const w = writer(3_000_000);
  await new Promise((r) => setTimeout(r, 200));
  const before = [...w.acked];
  let checkpoints = 0;
  const target = join(dir, 'copy2');
  const r = await snapshotPglite(db, target, {
    afterDataFiles: async () => {
      if (checkpoints++ === 0) await db.exec('checkpoint');
    },
  });
  await w.stop();
  assert.is(r.attempts, 2, 'the first copy was dropped');
  await check(target, before);
});

test('refusals: in memory, not enough free space (nothing left behind)', async () => {
  const mem = await openPglite();
  try {
    await snapshotPglite(mem, join(dir, 'never'));
    assert.unreachable('should have been refused');
  } catch (e) {
    assert.match((e as Error).message, /in memory/);
  } finally {
    await mem.close();
  }
  const target = join(dir, 'copy3');
  try {
    await snapshotPglite(db, target, { reserveBytes: Number.MAX_SAFE_INTEGER });
    assert.unreachable('should have been refused');
  } catch (e) {
    assert.instance(e, SnapshotSpaceError);
  }
  assert.not.ok(existsSync(target));
});

test.run();
