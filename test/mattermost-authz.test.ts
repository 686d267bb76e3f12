/**
 * The authorization matrix on /api/v4: the same world and the same case names as the native
 * matrix (test/authz-cases.ts), through the Mattermost paths. Every v4 twin must deny exactly as
 * its v1 twin: 403 (Mattermost's permissions id), nothing written, no event; search finds nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from './app.ts';
import { V1_CASES, dbFingerprint, setupAuthzWorld, type AuthzWorld, type Target } from './authz-cases.ts';

interface V4Case {
  name: string;
  kind: 'read' | 'write';
  method: string;
  path: (t: Target) => string;
  body?: (t: Target, userId: string) => unknown;
  /** forbidden: 403; empty: 200 with nothing in it (search and by-ids lookups hide, not deny). */
  expect: 'forbidden' | 'empty';
  isEmpty?: (body: any) => boolean;
}

const search = (terms: (t: Target) => string): Pick<V4Case, 'method' | 'path' | 'body' | 'expect' | 'isEmpty'> => ({
  method: 'POST',
  path: () => '/api/v4/posts/search',
  body: (t) => ({ terms: terms(t), is_or_search: false, page: 0, per_page: 20 }),
  expect: 'empty',
  isEmpty: (b) => b.order.length === 0,
});

const fileSearch = (terms: (t: Target) => string): Pick<V4Case, 'method' | 'path' | 'body' | 'expect' | 'isEmpty'> => ({
  method: 'POST',
  path: () => '/api/v4/files/search',
  body: (t) => ({ terms: terms(t), is_or_search: false, page: 0, per_page: 20 }),
  expect: 'empty',
  isEmpty: (b) => b.order.length === 0 && Object.keys(b.file_infos).length === 0,
});

const V4_CASES: V4Case[] = [
  // twins of V1_CASES, same names
  { name: 'channel', kind: 'read', method: 'GET', path: (t) => `/api/v4/channels/${t.channelId}`, expect: 'forbidden' },
  { name: 'channel posts', kind: 'read', method: 'GET', path: (t) => `/api/v4/channels/${t.channelId}/posts`, expect: 'forbidden' },
  { name: 'channel posts since', kind: 'read', method: 'GET', path: (t) => `/api/v4/channels/${t.channelId}/posts?since=0`, expect: 'forbidden' },
  { name: 'one post', kind: 'read', method: 'GET', path: (t) => `/api/v4/posts/${t.postId}`, expect: 'forbidden' },
  { name: 'thread', kind: 'read', method: 'GET', path: (t) => `/api/v4/posts/${t.postId}/thread`, expect: 'forbidden' },
  { name: 'reactions', kind: 'read', method: 'GET', path: (t) => `/api/v4/posts/${t.postId}/reactions`, expect: 'forbidden' },
  { name: 'members', kind: 'read', method: 'GET', path: (t) => `/api/v4/channels/${t.channelId}/members`, expect: 'forbidden' },
  { name: 'pinned', kind: 'read', method: 'GET', path: (t) => `/api/v4/channels/${t.channelId}/pinned`, expect: 'forbidden' },
  { name: 'search', kind: 'read', ...search((t) => t.word) },
  { name: 'search in:channel', kind: 'read', ...search((t) => `${t.word} in:${t.channelName}`) },
  { name: 'file search', kind: 'read', ...fileSearch((t) => t.word) },
  { name: 'file search in:channel', kind: 'read', ...fileSearch((t) => `${t.word} in:${t.channelName}`) },
  // The web app's channel files list is a search for channel:<id>: it hides, like every search.
  { name: 'channel files', kind: 'read', ...fileSearch((t) => `channel:${t.channelId}`) },
  { name: 'post', kind: 'write', method: 'POST', path: () => '/api/v4/posts', body: (t) => ({ channel_id: t.channelId, message: 'intruder' }), expect: 'forbidden' },
  { name: 'reply', kind: 'write', method: 'POST', path: () => '/api/v4/posts', body: (t) => ({ channel_id: t.channelId, message: 'intruder', root_id: t.postId }), expect: 'forbidden' },
  { name: 'edit', kind: 'write', method: 'PUT', path: (t) => `/api/v4/posts/${t.postId}`, body: (t) => ({ id: t.postId, message: 'defaced' }), expect: 'forbidden' },
  { name: 'delete', kind: 'write', method: 'DELETE', path: (t) => `/api/v4/posts/${t.postId}`, expect: 'forbidden' },
  { name: 'react', kind: 'write', method: 'POST', path: () => '/api/v4/reactions', body: (t, uid) => ({ user_id: uid, post_id: t.postId, emoji_name: 'smile' }), expect: 'forbidden' },
  { name: 'unreact', kind: 'write', method: 'DELETE', path: (t) => `/api/v4/users/me/posts/${t.postId}/reactions/heart`, expect: 'forbidden' },
  { name: 'pin', kind: 'write', method: 'POST', path: (t) => `/api/v4/posts/${t.postId}/pin`, expect: 'forbidden' },
  { name: 'unpin', kind: 'write', method: 'POST', path: (t) => `/api/v4/posts/${t.postId}/unpin`, expect: 'forbidden' },
  { name: 'add member', kind: 'write', method: 'POST', path: (t) => `/api/v4/channels/${t.channelId}/members`, body: (t) => ({ user_id: t.userId }), expect: 'forbidden' },
  { name: 'rename', kind: 'write', method: 'PUT', path: (t) => `/api/v4/channels/${t.channelId}/patch`, body: () => ({ display_name: 'Pwned' }), expect: 'forbidden' },
  { name: 'header', kind: 'write', method: 'PUT', path: (t) => `/api/v4/channels/${t.channelId}/patch`, body: () => ({ header: 'pwned' }), expect: 'forbidden' },
  { name: 'archive', kind: 'write', method: 'DELETE', path: (t) => `/api/v4/channels/${t.channelId}`, expect: 'forbidden' },
  { name: 'privacy', kind: 'write', method: 'PUT', path: (t) => `/api/v4/channels/${t.channelId}/privacy`, body: () => ({ privacy: 'P' }), expect: 'forbidden' },
  { name: 'mark read', kind: 'write', method: 'POST', path: () => '/api/v4/channels/members/me/view', body: (t) => ({ channel_id: t.channelId }), expect: 'forbidden' },
  // v4-only paths over the same actions
  { name: 'v4: posts patch', kind: 'write', method: 'PUT', path: (t) => `/api/v4/posts/${t.postId}/patch`, body: () => ({ message: 'defaced' }), expect: 'forbidden' },
  { name: 'v4: pin by patch', kind: 'write', method: 'PUT', path: (t) => `/api/v4/posts/${t.postId}/patch`, body: () => ({ is_pinned: false }), expect: 'forbidden' },
  { name: 'v4: channel stats', kind: 'read', method: 'GET', path: (t) => `/api/v4/channels/${t.channelId}/stats`, expect: 'forbidden' },
  { name: 'v4: one member', kind: 'read', method: 'GET', path: (t) => `/api/v4/channels/${t.channelId}/members/me`, expect: 'forbidden' },
  { name: 'v4: unread posts', kind: 'read', method: 'GET', path: (t) => `/api/v4/users/me/channels/${t.channelId}/posts/unread`, expect: 'forbidden' },
  { name: 'v4: post file infos', kind: 'read', method: 'GET', path: (t) => `/api/v4/posts/${t.postId}/files/info`, expect: 'forbidden' },
  { name: 'v4: posts by ids', kind: 'read', method: 'POST', path: () => '/api/v4/posts/ids', body: (t) => [t.postId], expect: 'empty', isEmpty: (b) => Array.isArray(b) && b.length === 0 },
  { name: 'v4: reactions by post ids', kind: 'read', method: 'POST', path: () => '/api/v4/posts/ids/reactions', body: (t) => [t.postId], expect: 'empty', isEmpty: (b) => Object.keys(b).length === 0 },
];

let t: TestContext;
let world: AuthzWorld;

test.before(async () => {
  t = await testApp();
  world = await setupAuthzWorld(t.deps);
});
test.after(async () => t.close());

test('every native case has a v4 twin', () => {
  const v4 = new Set(V4_CASES.map((c) => c.name));
  for (const c of V1_CASES) assert.ok(v4.has(c.name), c.name);
});

test('members can do every v4 read (the cases are real routes, not 404s or 501s)', async () => {
  for (const actor of world.actors) {
    for (const c of V4_CASES.filter((x) => x.kind === 'read')) {
      const r = await t.req(c.method, c.path(actor.target), { token: world.member.token, body: c.body?.(actor.target, world.member.id) });
      assert.is(r.status, 200, `${c.name} as a member: ${JSON.stringify(r.body)}`);
      if (c.expect === 'empty') assert.not.ok(c.isEmpty!(r.body), `${c.name} finds it for a member`);
    }
  }
});

for (const kind of ['read', 'write'] as const) {
  test(`v4 ${kind} paths: outsiders get 403 (search and lookups: nothing), nothing written, no event`, async () => {
    const failures: string[] = [];
    for (const actor of world.actors) {
      for (const c of V4_CASES.filter((x) => x.kind === kind)) {
        const label = `${actor.who} / ${c.name} (${c.method} ${c.path(actor.target)})`;
        const before = await dbFingerprint(t.deps.db);
        t.takeEvents();
        const r = await t.req(c.method, c.path(actor.target), { token: actor.user.token, body: c.body?.(actor.target, actor.user.id) });
        if (r.headers.get('content-type') !== 'application/json') failures.push(`${label}: content-type ${r.headers.get('content-type')}`);
        if (c.expect === 'forbidden') {
          if (r.status !== 403 || r.body?.id !== 'api.context.permissions.app_error' || r.body?.status_code !== 403) failures.push(`${label}: ${r.status} ${JSON.stringify(r.body)}`);
        } else if (r.status !== 200 || !c.isEmpty!(r.body)) {
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
