/**
 * docs/mattermost.md keeps up with the adapter: every route `/api/v4` registers (read from the
 * router itself, src/http/v4/index.ts) is named on the page, and the "Not implemented" section names
 * none of the features that have routes now. (The apps' call table on the same page is checked by
 * test/mattermost-apps/replay.test.ts.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { v4Routes } from '../src/http/v4/index.ts';

const root = new URL('..', import.meta.url).pathname;
const page = readFileSync(join(root, 'docs', 'mattermost.md'), 'utf8');
const routes = [...new Set(v4Routes().routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))];

/** Path parameters written any way (`{id}`, `{tid}`, `:uid`, `me`) become `{}`. */
const normal = (s: string) =>
  s
    .replace(/\{[^}\s]*\}/g, '{}')
    .replace(/:[A-Za-z_]+/g, '{}')
    .replace(/\/me(?=[/`?\s),]|$)/gm, '/{}');
const doc = normal(page);
const escape = (s: string) => s.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');

/** Whether the page names a path: the whole path, not the start of a longer one. */
const named = (path: string) => new RegExp(`${escape(normal(path))}(?![\\w/{}])`).test(doc);

function section(title: string): string {
  const a = page.indexOf(`## ${title}`);
  assert.ok(a >= 0, `the page has a "${title}" section`);
  const b = page.indexOf('\n## ', a + 3);
  return page.slice(a, b < 0 ? undefined : b);
}

test('the router has the routes this test reads', () => {
  assert.ok(routes.length > 100, `${routes.length} routes`);
  assert.ok(routes.includes('GET /users/:uid/posts/flagged'));
});

test('the matching is strict: a path that is only the start of a named one is not named', () => {
  assert.ok(named('/posts/:pid/edit_history'));
  assert.not.ok(named('/posts/:pid/edit'));
  assert.not.ok(named('/no/such/route'));
});

test('every /api/v4 route is named in docs/mattermost.md', () => {
  assert.equal(routes.filter((r) => !named(r.split(' ')[1])), []);
});

// A feature the page once listed as missing, and the route that implements it now.
const FEATURES: [RegExp, string][] = [
  [/saved|flagged/i, 'GET /users/:uid/posts/flagged'],
  [/edit history/i, 'GET /posts/:pid/edit_history'],
  [/file search/i, 'POST /files/search'],
  [/profile picture upload/i, 'POST /users/:uid/image'],
  [/custom emoji/i, 'POST /emoji'],
  [/webhook/i, 'POST /hooks/incoming'],
  [/slash command/i, 'POST /commands/execute'],
  [/\bbots?\b/i, 'POST /bots'],
  [/access tokens?/i, 'POST /users/:uid/tokens'],
  [/multi-factor|\bMFA\b/i, 'PUT /users/:uid/mfa'],
  [/no CRT|collapsed (reply )?threads/i, 'GET /users/:uid/teams/:tid/threads'],
  [/mark(ing)? (as )?unread/i, 'POST /users/:uid/posts/:pid/set_unread'],
];

test('"Not implemented" names no feature that has its routes', () => {
  const missing = section('Not implemented').replace(/\s+/g, ' ');
  const wrong = FEATURES.filter(([words, route]) => routes.includes(route) && words.test(missing)).map(([w, r]) => `${w} (${r})`);
  assert.equal(wrong, []);
});

test.run();
