// 0018_posting_constraints.sql: email_notifications without foreign keys, and the CHECKs on
// channels.type and channel_members.role as column triggers — still refused with 23514, never
// evaluated by a statement that does not write the column (the posting statement).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testDb } from '../../test/db.ts';
import type { Db } from './driver.ts';
import { bundledMigrations, migrate } from './migrate.ts';
import { pgCode } from '../errors.ts';

const VERSION = 18;

/** The SQLSTATE a statement fails with, or 'ok'. */
async function outcome(db: Db, sql: string, params: unknown[] = []): Promise<string> {
  try {
    await db.query(sql, params);
    return 'ok';
  } catch (e) {
    return pgCode(e) ?? String(e);
  }
}

async function seed(db: Db, n: string) {
  for (const id of [`u${n}`, `w${n}`]) await db.query(`insert into users (id, username, email, create_at, update_at) values ($1, $1, $1 || '@example.com', 1, 1)`, [id]);
  await db.query(`insert into channels (id, type, name, create_at, update_at) values ($1, 'O', $1, 1, 1)`, [`c${n}`]);
  await db.query(`insert into channel_members (channel_id, user_id, create_at, last_update_at) values ($1, $2, 1, 1)`, [`c${n}`, `u${n}`]);
  await db.query(`insert into posts (id, channel_id, user_id, message, create_at, update_at) values ($1, $2, $3, 'hi', 1, 1)`, [`p${n}`, `c${n}`, `u${n}`]);
  await db.query(`insert into email_notifications (user_id, post_id, channel_id, create_at) values ($1, $2, $3, 1)`, [`u${n}`, `p${n}`, `c${n}`]);
}

const count = async (db: Db, sql: string, params: unknown[] = []) => Number((await db.query<{ n: number }>(sql, params))[0]!.n);

async function assertSchema(db: Db) {
  const cons = await db.query<{ t: string; conname: string }>(
    `select conrelid::regclass::text as t, conname from pg_constraint
      where contype in ('c', 'f') and conrelid in ('email_notifications'::regclass, 'channels'::regclass, 'channel_members'::regclass) order by 1, 2`,
  );
  assert.equal(cons.map((r) => `${r.t}.${r.conname}`), [
    'channel_members.channel_members_channel_id_fkey',
    'channel_members.channel_members_user_id_fkey',
  ], 'no foreign keys on email_notifications, no CHECKs on channels and channel_members');
}

/** Bad values refused with 23514 and a message naming the column; other columns written freely. */
async function assertChecks(db: Db, n: string) {
  const [c, w] = [`c${n}`, `w${n}`]; // w: a user who is not a member
  assert.is(await outcome(db, `insert into channels (id, type, name, create_at, update_at) values ('bad${n}', 'X', 'bad${n}', 1, 1)`), '23514');
  assert.is(await outcome(db, `insert into channels (id, type, name, create_at, update_at) values ('good${n}', 'G', 'good${n}', 1, 1)`), 'ok');
  assert.is(await outcome(db, `update channels set type = 'X' where id = $1`, [c]), '23514');
  assert.is(await outcome(db, `update channels set type = 'P' where id = $1`, [c]), 'ok');
  assert.is(await outcome(db, `insert into channel_members (channel_id, user_id, role, create_at, last_update_at) values ($1, $2, 'bogus', 1, 1)`, [c, w]), '23514');
  assert.is(await outcome(db, `insert into channel_members (channel_id, user_id, create_at, last_update_at) values ($1, $2, 1, 1)`, [c, w]), 'ok', 'the default role');
  assert.is(await outcome(db, `update channel_members set role = 'bogus' where channel_id = $1`, [c]), '23514');
  assert.is(await outcome(db, `update channel_members set role = 'channel_admin' where channel_id = $1`, [c]), 'ok');
  try {
    await db.query(`update channel_members set role = 'bogus' where channel_id = $1`, [c]);
    assert.unreachable();
  } catch (e) {
    assert.match(String((e as Error).message), 'role must be channel_user or channel_admin');
  }
  assert.is(await outcome(db, `update channels set total_msg_count = total_msg_count + 1, last_post_at = 2 where id = $1`, [c]), 'ok');
  assert.is(await outcome(db, `update channel_members set mention_count = mention_count + 1 where channel_id = $1`, [c]), 'ok');
  assert.is(await count(db, `select count(*)::int as n from channels where id = $1 and type = 'P' and total_msg_count = 1`, [c]), 1);

  // Not evaluated when the column is not written: a bad value put in with the trigger off stays
  // unnoticed by counter updates, and is refused as soon as a statement writes the column again.
  await db.exec(`alter table channel_members disable trigger channel_members_role_check`);
  await db.query(`update channel_members set role = 'bogus' where channel_id = $1`, [c]);
  await db.exec(`alter table channel_members enable trigger channel_members_role_check`);
  assert.is(await outcome(db, `update channel_members set mention_count = 0, last_update_at = 3 where channel_id = $1`, [c]), 'ok');
  assert.is(await outcome(db, `update channel_members set role = role where channel_id = $1`, [c]), '23514');
  await db.exec(`alter table channel_members disable trigger channel_members_role_check`);
  await db.query(`update channel_members set role = 'channel_user' where channel_id = $1`, [c]);
  await db.exec(`alter table channel_members enable trigger channel_members_role_check`);

  // A row for a user, post and channel that do not exist: no foreign key refuses it (and the
  // sender drops it: notification-emails.test.ts).
  assert.is(await outcome(db, `insert into email_notifications (user_id, post_id, channel_id, create_at) values ('nobody${n}', 'nopost', 'nochannel', 1)`), 'ok');
}

test('a fresh database: checks as triggers, email_notifications without foreign keys', async () => {
  const t = await testDb();
  try {
    await assertSchema(t.db);
    await seed(t.db, '1');
    await assertChecks(t.db, '1');
  } finally {
    await t.close();
  }
});

test('a database at 0017 with data migrates; rows kept, same checks after', async () => {
  const t = await testDb({ migrated: false });
  try {
    const all = bundledMigrations();
    assert.is(all.find((m) => m.version === VERSION)?.name, 'posting_constraints');
    await migrate(t.db, all.filter((m) => m.version < VERSION));
    await seed(t.db, '1');
    await seed(t.db, '2');
    assert.is(await outcome(t.db, `update channels set type = 'X' where id = 'c1'`), '23514', 'the old CHECK');
    assert.equal(await migrate(t.db, all.filter((m) => m.version <= VERSION)), [VERSION]);
    await assertSchema(t.db);
    assert.is(await count(t.db, 'select count(*)::int as n from email_notifications'), 2);
    assert.is(await count(t.db, 'select count(*)::int as n from channel_members'), 2);
    await assertChecks(t.db, '1');
    // What the cascades did is gone: deleting a post leaves its row to the sender.
    await t.db.query(`delete from posts where id = 'p2'`);
    assert.is(await count(t.db, `select count(*)::int as n from email_notifications where post_id = 'p2'`), 1);
    assert.equal(await migrate(t.db), all.filter((m) => m.version > VERSION).map((m) => m.version));
  } finally {
    await t.close();
  }
});

test.run();
