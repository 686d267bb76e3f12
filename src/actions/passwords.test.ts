import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { argon2id, argon2Verify } from 'hash-wasm';
import { ARGON2, PASSWORD_ENGINE, checkPassword, generatePassword, hashPassword, parsePhc, verifyPassword } from './passwords.ts';

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

test('PHC strings: hash-wasm and node:crypto read each other\'s hashes', async () => {
  // Whichever engine this Node uses must verify what the other wrote (a database moves between
  // the executable and a development Node). Also pins the encoding: standard base64, no padding.
  const wasm = await argon2id({ password: 'pässwörd ✓', salt: Buffer.from('0123456789abcdef'), ...ARGON2, outputType: 'encoded' });
  assert.ok(await verifyPassword('pässwörd ✓', wasm), `${PASSWORD_ENGINE} verifies a hash-wasm hash`);
  assert.not.ok(await verifyPassword('passwörd ✓', wasm));
  const ours = await hashPassword('pässwörd ✓');
  assert.ok(await argon2Verify({ password: 'pässwörd ✓', hash: ours }), `hash-wasm verifies a ${PASSWORD_ENGINE} hash`);
  const phc = parsePhc(ours)!;
  assert.is(phc.algorithm, 'argon2id');
  assert.equal([phc.memory, phc.passes, phc.parallelism, phc.salt.length, phc.hash.length], [19456, 2, 1, 16, 32]);
  // Other parameters in the string are honoured (hashes made with older settings keep working).
  const older = await argon2id({ password: 'old settings', salt: Buffer.from('saltsaltsaltsalt'), parallelism: 2, iterations: 3, memorySize: 8192, hashLength: 24, outputType: 'encoded' });
  assert.ok(await verifyPassword('old settings', older));
  assert.not.ok(await verifyPassword('old settings', older.replace('t=3', 't=2')), 'the parameters are part of the hash');
  for (const bad of ['$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2g', '$argon2id$v=19$m=0,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2g', '$bcrypt$whatever']) {
    assert.is(parsePhc(bad), undefined, bad);
    assert.not.ok(await verifyPassword('x', bad));
  }
});

test('hashing with node:crypto does not stop the event loop', async () => {
  if (PASSWORD_ENGINE !== 'node:crypto') return; // hash-wasm runs on the main thread by design
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  await Promise.all([hashPassword('one password'), hashPassword('two passwords'), hashPassword('three passwords')]);
  clearInterval(timer);
  assert.ok(ticks > 0, 'timers ran while three hashes were computed');
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
