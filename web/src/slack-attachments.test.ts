import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attachmentColor, hasBody, imageUrl, parseAttachments } from './slack-attachments.ts';

test('attachmentColor: named colours, validated hex, anything else undefined', () => {
  assert.is(attachmentColor('good'), '#2eb886');
  assert.is(attachmentColor('Warning'), '#daa038');
  assert.is(attachmentColor('danger'), '#a30200');
  assert.is(attachmentColor('#ABC'), '#abc');
  assert.is(attachmentColor('#12ab9F'), '#12ab9f');
  for (const bad of [undefined, '', 'red', '#12345', '#1234567', '12ab9f', '#ggg', 'red; background: url(x)', '#fff;color:red', 'var(--x)']) {
    assert.is(attachmentColor(bad), undefined, String(bad));
  }
});

test('parseAttachments: keeps the known fields, drops malformed ones', () => {
  assert.equal(parseAttachments(undefined), []);
  assert.equal(parseAttachments({}), []);
  assert.equal(parseAttachments({ attachments: 'x' }), []);
  const [a, b] = parseAttachments({
    attachments: [
      { title: 'T', text: 'hi', color: 'good', ts: '1700000000.5', fields: [{ title: 'A', value: '1', short: true }, { title: 'B', value: 2 }, null, { short: true }], style: 'x', author_icon: 'https://x/y.png' },
      'nope',
      { fallback: 'only fallback', ts: 'soon', title: 42 },
    ],
  });
  assert.equal(a, { title: 'T', text: 'hi', color: 'good', ts: 1700000000.5, fields: [{ title: 'A', value: '1', short: true }, { title: 'B', value: '', short: false }] });
  assert.equal(b, { fallback: 'only fallback', fields: [] });
  assert.ok(hasBody(a!));
  assert.not.ok(hasBody(b!));
  assert.not.ok(hasBody({ fallback: 'x', footer: 'CI', ts: 1, fields: [] }), 'a footer alone still shows the fallback');
});

test('imageUrl: http(s) only, with the host', () => {
  assert.equal(imageUrl('https://ci.example.com/a.png'), { href: 'https://ci.example.com/a.png', host: 'ci.example.com' });
  assert.is(imageUrl('javascript:alert(1)'), undefined);
  assert.is(imageUrl('mailto:a@b.c'), undefined);
  assert.is(imageUrl('data:image/png;base64,AAAA'), undefined);
  assert.is(imageUrl(undefined), undefined);
});

test.run();
