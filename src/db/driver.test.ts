import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testDb, type TestDb } from '../../test/db.ts';

// Transaction semantics every action relies on, on whichever driver the run uses (PGlite by
// default, PostgreSQL with RUSTCHAT_TEST_DATABASE_URL). The postgres.js driver sends BEGIN
// unawaited, pipelined with the first statements, so these pin down that it still behaves like
// a plain transaction.
let t: TestDb;

test.before(async () => {
  t = await testDb({ migrated: false });
  await t.db.exec('create table drv (id int primary key, note text not null)');
});
test.after(async () => {
  await t.close();
});

async function rejects(p: Promise<unknown>, re?: RegExp) {
  try {
    await p;
  } catch (e) {
    if (re) assert.match(String((e as Error).message), re);
    return;
  }
  assert.unreachable('expected a rejection');
}

const count = async () => (await t.db.query<{ n: number }>('select count(*)::int8 as n from drv'))[0].n;

test('a transaction that resolves commits every statement', async () => {
  const r = await t.db.transaction(async (tx) => {
    await tx.query('insert into drv values ($1, $2)', [1, 'one']);
    await tx.query('insert into drv values ($1, $2)', [2, 'two']);
    return 'done';
  });
  assert.is(r, 'done');
  assert.is(await count(), 2);
});

test('statements issued together in a transaction run in order, in that transaction', async () => {
  const [a, b, c] = await t.db.transaction((tx) =>
    Promise.all([
      tx.query<{ id: number }>('insert into drv values ($1, $2) returning id', [3, 'three']),
      tx.query<{ n: number }>('select count(*)::int8 as n from drv where id = $1', [3]),
      tx.query<{ x: string }>("select current_setting('transaction_isolation') as x, txid_current_if_assigned() is not null as in_tx where $1 = 1", [1]),
    ]),
  );
  assert.is(a[0].id, 3);
  assert.is(b[0].n, 1, 'the second statement sees the first one');
  assert.ok(c[0], 'ran inside the transaction');
  assert.is(await count(), 3);
});

test('a transaction whose function throws rolls back', async () => {
  await rejects(
    t.db.transaction(async (tx) => {
      await tx.query('insert into drv values ($1, $2)', [10, 'ten']);
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.is(await count(), 3);
});

test('a failed statement fails the transaction even when the function catches it', async () => {
  await rejects(
    t.db.transaction(async (tx) => {
      await tx.query('insert into drv values ($1, $2)', [11, 'eleven']);
      await tx.query('insert into drv values ($1, $2)', [1, 'duplicate key']).catch(() => {});
      return 'swallowed';
    }),
  );
  assert.is(await count(), 3, 'nothing of that transaction was committed');
  // The connection is usable afterwards (not left inside an aborted transaction).
  await t.db.transaction((tx) => tx.query('insert into drv values ($1, $2)', [12, 'twelve']));
  assert.is(await count(), 4);
});

test('the isolation and read-only options apply to the transaction', async () => {
  const [row] = await t.db.transaction((tx) => tx.query<{ iso: string; ro: string }>("select current_setting('transaction_isolation') as iso, current_setting('transaction_read_only') as ro where $1 = 1", [1]), {
    isolation: 'repeatable read',
    readOnly: true,
  });
  assert.is(row.iso, 'repeatable read');
  assert.is(row.ro, 'on');
  await rejects(t.db.transaction((tx) => tx.query('insert into drv values ($1, $2)', [20, 'x']), { readOnly: true }));
  assert.is(await count(), 4);
});

test('many concurrent transactions each commit exactly their own rows', async () => {
  await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      t.db.transaction(async (tx) => {
        await tx.query('insert into drv values ($1, $2)', [100 + i, `n${i}`]);
        if (i % 4 === 0) throw new Error('rolled back on purpose');
      }).catch(() => {}),
    ),
  );
  assert.is(await count(), 4 + 30);
});

test('batch: statements run in order in one transaction and commit together', async () => {
  const [a, b] = await t.db.batch([
    { text: 'insert into drv values ($1, $2) returning id', params: [200, 'b1'] },
    { text: 'select count(*)::int8 as n from drv where id = $1', params: [200] },
  ]);
  assert.is(a[0].id, 200);
  assert.is(b[0].n, 1, 'the second statement sees the first');
  assert.is(await count(), 35);
});

test('batch: a failing statement commits nothing and throws its own error', async () => {
  try {
    await t.db.batch([
      { text: 'insert into drv values ($1, $2)', params: [201, 'kept?'] },
      { text: 'insert into drv values ($1, $2)', params: [200, 'duplicate key'] },
      { text: 'insert into drv values ($1, $2)', params: [202, 'after the error'] },
    ]);
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.match(String((e as Error).message), /duplicate key/);
  }
  assert.is(await count(), 35, 'nothing of the batch was committed');
  await t.db.batch([{ text: 'insert into drv values ($1, $2)', params: [203, 'usable afterwards'] }]);
  assert.is(await count(), 36);
});

test('batch: a parameter the client could fail to send is refused before anything is sent', async () => {
  try {
    await t.db.batch([
      { text: 'insert into drv values ($1, $2)', params: [400, 'would be committed'] },
      { text: 'insert into drv values ($1, $2::text)', params: [401, { an: 'object' }] },
    ]);
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.match(String((e as Error).message), /batch: parameter of type object/);
  }
  assert.is((await t.db.query<{ n: number }>('select count(*)::int8 as n from drv where id = $1', [400]))[0].n, 0);
});

test('batch: concurrent batches each commit exactly their own rows', async () => {
  await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      t.db
        .batch([
          { text: 'insert into drv values ($1, $2)', params: [300 + i, `b${i}`] },
          { text: i % 3 === 0 ? 'select 1 / (0 * $1::int)' : 'select $1::int', params: [i] },
        ])
        .catch(() => {}),
    ),
  );
  assert.is(await count(), 36 + 20);
});

test('postgres: parameterised queries are prepared, unless prepared statements are turned off', async () => {
  if (!t.url) return; // PGlite has no named statements
  const { openPostgres } = await import('./postgres.ts');
  const countPrepared = (db: import('./driver.ts').Db) =>
    db.transaction(async (tx) => {
      await tx.query('select $1::int as x', [1]);
      await tx.query('select $1::int as x', [2]);
      return (await tx.query<{ n: number }>("select count(*)::int8 as n from pg_prepared_statements where statement like 'select $1::int as x%' and $1 = 1", [1]))[0].n;
    });
  const on = await openPostgres(t.url, { poolSize: 1 });
  const off = await openPostgres(t.url, { poolSize: 1, preparedStatements: false });
  try {
    assert.is(await countPrepared(on), 1, 'one named statement, reused');
    assert.is(await countPrepared(off), 0, 'none with preparedStatements: false (PgBouncer in transaction mode)');
  } finally {
    await on.close();
    await off.close();
  }
});

test.run();
