/**
 * Presence that updates (issue 15, item 9) checked the verifyAction way: a watcher loads the
 * statuses of the people on its screen over REST (`POST /users/status/ids`), someone changes theirs,
 * and the `status_change` events a connection watching them receives (`broadcast.presence_of`,
 * what `presence_subscribe` matches), applied with the web client's reducer, give the statuses a
 * fresh fetch gives. Only the user whose status changed is in the event; others' stay as loaded.
 * (Delivery to watching sockets only, within 5 s and across processes: src/realtime/presence-process.test.ts.)
 * PGlite, and PostgreSQL with RUSTCHAT_TEST_DATABASE_URL.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from '../../test/app.ts';
import { fxUser, type FxUser } from '../../test/fixtures.ts';
import { applyEvents, emptyState, loadStatuses, type ClientEvent, type ClientState } from '../realtime/reducer.ts';
import { v1Serializer } from '../realtime/serializer.ts';

let ctx: TestContext;
let alice: FxUser; // changes her status
let bob: FxUser; // watches alice and carol
let carol: FxUser;

async function call(u: FxUser, method: string, path: string, body?: unknown): Promise<any> {
  const r = await ctx.req(method, `/api/v1${path}`, { token: u.token, body });
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The watcher's statuses as the web client loads them. */
async function load(watcher: FxUser, ids: string[]): Promise<ClientState> {
  return loadStatuses(emptyState(watcher.id), (await call(watcher, 'POST', '/users/status/ids', { ids })).items);
}

/** What the client draws from a status. */
const drawn = (s: ClientState) => Object.fromEntries(Object.entries(s.statuses).map(([id, st]) => [id, { status: st!.status, manual: !!st!.manual }]));

/** The frames a connection of `watcher` subscribed to `watched` receives. */
function eventsFor(watcher: FxUser, watched: string[]): ClientEvent[] {
  return ctx
    .takeEvents()
    .filter((e) => !e.ephemeral && (e.broadcast.user_ids.includes(watcher.id) || watched.includes((e.broadcast as { presence_of?: string }).presence_of ?? '')))
    .map((e) => JSON.parse(v1Serializer.prepare(e, 0)!.frame(1)) as ClientEvent);
}

/** Runs a status change and checks the watcher's events turn its loaded state into a fresh one. */
async function verifyPresence(watcher: FxUser, watched: string[], action: () => Promise<unknown>) {
  const before = await load(watcher, watched);
  ctx.takeEvents();
  await action();
  const events = eventsFor(watcher, watched);
  const after = await load(watcher, watched);
  assert.equal(drawn(applyEvents(before, events)), drawn(after), `state after ${events.map((e) => e.event).join(', ') || 'no events'}`);
  return { events, after };
}

test.before(async () => {
  ctx = await testApp();
  [alice, bob, carol] = await Promise.all([fxUser(ctx.deps), fxUser(ctx.deps), fxUser(ctx.deps)]);
});
test.after(async () => ctx?.close());

test('away, dnd, offline and back online: each change reaches the watcher and equals a fresh fetch', async () => {
  const watched = [alice.id, carol.id];
  for (const status of ['away', 'dnd', 'offline', 'online'] as const) {
    const { events, after } = await verifyPresence(bob, watched, () => call(alice, 'PUT', '/users/me/status', { status }));
    assert.equal(
      events.map((e) => [e.event, (e.data as { user_id: string }).user_id]),
      [['status_change', alice.id]],
      status,
    );
    assert.equal(drawn(after)[alice.id], { status, manual: status !== 'online' }, status);
    assert.equal(drawn(after)[carol.id], { status: 'offline', manual: false }, 'carol unchanged');
  }
});

test('automatic away for someone with no connection is ignored: no event, and the fetch agrees', async () => {
  const { events, after } = await verifyPresence(bob, [alice.id], () => call(alice, 'PUT', '/users/me/status', { status: 'away', manual: false }));
  assert.equal(events, []);
  assert.equal(drawn(after)[alice.id], { status: 'online', manual: false });
});

test('setting the same status again changes nothing the watcher holds', async () => {
  await call(alice, 'PUT', '/users/me/status', { status: 'dnd' });
  await verifyPresence(bob, [alice.id], () => call(alice, 'PUT', '/users/me/status', { status: 'dnd' }));
});

test('a watcher not watching someone gets none of their changes', async () => {
  const { events } = await verifyPresence(bob, [carol.id], () => call(alice, 'PUT', '/users/me/status', { status: 'away' }));
  assert.equal(events, []);
});

test('the check has teeth: a lost status_change makes the states differ', async () => {
  const before = await load(bob, [alice.id]);
  ctx.takeEvents();
  await call(alice, 'PUT', '/users/me/status', { status: 'online' });
  await call(alice, 'PUT', '/users/me/status', { status: 'dnd' });
  const events = eventsFor(bob, [alice.id]);
  assert.is(events.length, 2);
  const after = await load(bob, [alice.id]);
  assert.not.equal(drawn(applyEvents(before, events.slice(0, 1))), drawn(after));
  assert.equal(drawn(applyEvents(before, events)), drawn(after));
});

test.run();
