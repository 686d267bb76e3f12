import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { protocol } from '@electric-sql/pglite';
import { bindExecute, type WireValue } from './pg-wire.ts';

const reference = (statement: string, values: WireValue[]) => {
  const bind = protocol.serialize.bind({ statement, values: values as never });
  const exec = protocol.serialize.execute({});
  const out = new Uint8Array(bind.length + exec.length);
  out.set(bind, 0);
  out.set(exec, bind.length);
  return out;
};

const cases: [string, WireValue[]][] = [
  ['rc1', []],
  ['rc2', ['']],
  ['rc3', [null, 'x', null]],
  ['rc12', ['hello', '42', 't', '{"a":[1,2,{"b":"ü"}]}', '[]']],
  ['rc7', ['naïve café — 日本語 and 🎉 emoji (surrogate pairs) \u0001 tab\there']],
  ['rc8', [new Uint8Array([0, 1, 2, 255]), 'text after binary', null]],
  ['rc9', [new Uint8Array([9, 8, 7, 6, 5]).subarray(1, 4)]],
  ['rc10', [new Uint8Array([1, 2, 3]).buffer]],
  ['rc11', [new Uint8Array(0), '']],
  ['rc13', ['a'.repeat(70_000), 'ω'.repeat(5000)]],
  ['statement_ü_name', ['x']],
];

test('Bind + Execute bytes equal PGlite’s own serializer’s, for text, binary, NULL, empty and non-ASCII values', () => {
  for (const [name, values] of cases) {
    const ours = bindExecute(name, values);
    const theirs = reference(name, values);
    assert.is(ours.length, theirs.length, `${name}: length`);
    assert.ok(Buffer.from(ours).equals(Buffer.from(theirs)), `${name}: bytes`);
  }
});

test('the result does not share memory with anything else (a pooled Buffer would be overwritten later)', () => {
  const a = bindExecute('rc1', ['one']);
  const copy = Buffer.from(a);
  bindExecute('rc1', ['two']);
  assert.ok(Buffer.from(a).equals(copy));
  assert.is(a.byteOffset, 0);
});

test.run();
