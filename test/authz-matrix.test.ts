import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from './app.ts';
import { V1_CASES, dbFingerprint, setupAuthzWorld, type AuthzWorld } from './authz-cases.ts';

let t: TestContext;
let world: AuthzWorld;

test.before(async () => {
  t = await testApp();
  world = await setupAuthzWorld(t.deps);
});
test.after(async () => t.close());

test('the matrix covers the paths the issue names', () => {
  const names = new Set(V1_CASES.map((c) => c.name));
  for (const n of ['channel', 'channel posts', 'one post', 'thread', 'search', 'reactions', 'members', 'pinned', 'post', 'edit', 'delete', 'react', 'pin', 'add member', 'rename']) {
    assert.ok(names.has(n), n);
  }
});

test('members can do every read (the cases are real paths, not 404s)', async () => {
  for (const actor of world.actors) {
    for (const c of V1_CASES.filter((x) => x.kind === 'read')) {
      const r = await t.req(c.method, c.path(actor.target), { token: world.member.token });
      assert.is(r.status, 200, `${c.name} as a member: ${JSON.stringify(r.body)}`);
      if (c.expect === 'empty') assert.ok(r.body.items.length > 0, `${c.name} finds the word for a member`);
    }
  }
});

for (const kind of ['read', 'write'] as const) {
  test(`${kind} paths: outsiders get 403 forbidden (search: nothing), nothing written, no event`, async () => {
    const failures: string[] = [];
    for (const actor of world.actors) {
      for (const c of V1_CASES.filter((x) => x.kind === kind)) {
        const label = `${actor.who} / ${c.name} (${c.method} ${c.path(actor.target)})`;
        const before = await dbFingerprint(t.deps.db);
        t.takeEvents();
        const r = await t.req(c.method, c.path(actor.target), { token: actor.user.token, body: c.body?.(actor.target) });
        if (c.expect === 'forbidden') {
          if (r.status !== 403 || r.body?.error?.code !== 'forbidden') failures.push(`${label}: ${r.status} ${JSON.stringify(r.body)}`);
        } else if (r.status !== 200 || r.body.items.length !== 0) {
          failures.push(`${label}: ${r.status} ${JSON.stringify(r.body)}`);
        }
        const events = t.takeEvents();
        if (events.length) failures.push(`${label}: emitted ${events.map((e) => e.event).join(', ')}`);
        const after = await dbFingerprint(t.deps.db);
        for (const table of Object.keys(before)) if (before[table] !== after[table]) failures.push(`${label}: wrote to ${table}`);
      }
    }
    assert.equal(failures, []);
  });
}

test.run();
