import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from '../../test/app.ts';
import { fxUser, type FxUser } from '../../test/fixtures.ts';

let t: TestContext;
let u: FxUser;

test.before(async () => {
  t = await testApp();
  u = await fxUser(t.deps);
});
test.after(() => t.close());

test('a NUL in the query string is 400 invalid_characters on every route, not a 500', async () => {
  for (const path of ['/api/v1/users?q=%00', '/api/v1/teams/public?q=a%00b', '/api/v1/search?q=%00']) {
    const r = await t.req('GET', path, { token: u.token });
    assert.is(r.status, 400, path);
    assert.is(r.body.error.code, 'invalid_characters', path);
  }
});

test('the Mattermost API renders the same rejection in its own error shape', async () => {
  const r = await t.req('GET', '/api/v4/users/autocomplete?name=%00', { token: u.token });
  assert.is(r.status, 400);
  assert.type(r.body.id, 'string');
  assert.is(r.body.status_code, 400);
});

test('an encoded percent sign followed by 00 is not a NUL', async () => {
  const r = await t.req('GET', '/api/v1/users?q=%2500', { token: u.token });
  assert.is(r.status, 200);
});

test('every response carries X-Request-Id, and a safe incoming one is kept', async () => {
  const r = await t.req('GET', '/api/v1/health/live', { headers: { 'x-request-id': 'abc-123' } });
  assert.is(r.headers.get('x-request-id'), 'abc-123');
  const bad = await t.req('GET', '/api/v1/health/live', { headers: { 'x-request-id': 'a b<script>' } });
  assert.match(bad.headers.get('x-request-id') ?? '', /^[a-z0-9]{26}$/);
});

test.run();
