import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkPassword, generatePassword, hashPassword, verifyPassword } from './passwords.ts';

const code = (fn: () => void) => {
  try {
    fn();
    return 'ok';
  } catch (e: any) {
    return e.code;
  }
};

test('length is measured in UTF-8 bytes: 8..72', () => {
  assert.is(code(() => checkPassword('1234567')), 'password_too_short');
  assert.is(code(() => checkPassword('12345678')), 'ok');
  assert.is(code(() => checkPassword('x'.repeat(72))), 'ok');
  assert.is(code(() => checkPassword('x'.repeat(73))), 'password_too_long');
  assert.is(code(() => checkPassword('é'.repeat(36))), 'ok'); // 72 bytes, 36 characters
  assert.is(code(() => checkPassword('é'.repeat(37))), 'password_too_long'); // 74 bytes, 37 characters
  assert.is(code(() => checkPassword('🔑🔑')), 'ok'); // 8 bytes, 2 characters
  assert.is(code(() => checkPassword('🔑')), 'password_too_short');
});

test('argon2id hashes with the OWASP minimum and verifies', async () => {
  const h = await hashPassword('correct horse');
  assert.match(h, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.ok(await verifyPassword('correct horse', h));
  assert.not.ok(await verifyPassword('correct horsE', h));
  assert.not.ok(await verifyPassword('correct horse', ''), 'an empty hash (no password set) never matches');
  assert.not.ok(await verifyPassword('x', 'garbage'));
  assert.is.not(await hashPassword('correct horse'), h, 'salted');
});

test('generated passwords are 20 characters and pass the length check', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const p = generatePassword();
    assert.is(p.length, 20);
    assert.match(p, /^[a-km-zA-HJ-NP-Z2-9]+$/);
    checkPassword(p);
    seen.add(p);
  }
  assert.is(seen.size, 50);
});

test.run();
