import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMentions } from './mentions.ts';

test('finds @usernames, case-insensitively, with trailing punctuation variants', () => {
  const m = parseMentions('Hi @Alice, @bob. and (@carol.d) @dave_- @x');
  assert.equal(m.usernames.sort(), ['alice', 'bob', 'bob.', 'carol.d', 'dave', 'dave_-', 'x'].sort());
  assert.is(m.channel, false);
});

test('@channel, @all and @here are channel-wide, not usernames', () => {
  for (const word of ['@channel', '@all', '@here', 'hey @HERE!']) {
    const m = parseMentions(word);
    assert.is(m.channel, true, word);
    assert.equal(m.usernames, [], word);
  }
  assert.is(parseMentions('@channels').channel, false);
});

test('email addresses and mid-word @ are not mentions', () => {
  assert.equal(parseMentions('mail bob@example.com or a@b').usernames, []);
  assert.equal(parseMentions('').usernames, []);
});

test('mentions inside code spans and blocks do not count', () => {
  assert.equal(parseMentions('run `@bob --help` then ask @carol').usernames, ['carol']);
  assert.equal(parseMentions('```\n@all the things\n```\nthanks @dave').usernames, ['dave']);
  assert.is(parseMentions('```\n@channel').channel, false, 'an unterminated block runs to the end');
  assert.is(parseMentions('`x` @here `y`').channel, true);
});

test.run();
