import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ComponentChild, VNode } from 'preact';
import { renderMarkdown, safeUrl, markdownToText } from './markdown.ts';

/** Serializes vnodes the way a DOM would show them (text escaped; handlers listed by name). */
function html(nodes: ComponentChild | ComponentChild[]): string {
  if (Array.isArray(nodes)) return nodes.map(html).join('');
  if (nodes == null || typeof nodes === 'boolean') return '';
  if (typeof nodes === 'string' || typeof nodes === 'number') return String(nodes).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const v = nodes as VNode<Record<string, unknown>>;
  if (typeof v.type !== 'string') throw new Error('renderer must only produce DOM elements');
  const attrs = Object.entries(v.props)
    .filter(([k, val]) => k !== 'children' && val !== undefined && val !== null)
    .map(([k, val]) => (typeof val === 'function' ? ` ${k}=fn` : ` ${k}="${String(val).replace(/"/g, '&quot;')}"`))
    .join('');
  return `<${v.type}${attrs}>${html(v.props.children as ComponentChild)}</${v.type}>`;
}
const md = (s: string, o = {}) => html(renderMarkdown(s, o));

test('emphasis, strike and inline code', () => {
  assert.is(md('**bold** *it* _it2_ ~~gone~~ `x < y`'), '<p><strong>bold</strong> <em>it</em> <em>it2</em> <del>gone</del> <code>x &lt; y</code></p>');
  assert.is(md('__b__ and ***both***'), '<p><strong>b</strong> and <strong><em>both</em></strong></p>');
  assert.is(md('snake_case_name stays'), '<p>snake_case_name stays</p>');
  assert.is(md('2 * 3 * 4'), '<p>2 * 3 * 4</p>');
  assert.is(md('`**not bold**`'), '<p><code>**not bold**</code></p>');
  assert.is(md('\\*literal\\*'), '<p>*literal*</p>');
});

test('line breaks and paragraphs', () => {
  assert.is(md('one\ntwo\n\nthree'), '<p>one<br></br>two</p><p>three</p>');
});

test('fenced code blocks keep their text verbatim', () => {
  assert.is(md('```js\nconst a = "<b>";\n**x**\n```\nafter'), '<pre class="code-block" data-lang="js"><code>const a = "&lt;b&gt;";\n**x**</code></pre><p>after</p>');
  assert.is(md('```\nunclosed'), '<pre class="code-block"><code>unclosed</code></pre>');
});

test('links: safe protocols only, with rel and target', () => {
  assert.is(md('[site](https://example.com/a?b=1)'), '<p><a href="https://example.com/a?b=1" target="_blank" rel="noopener noreferrer">site</a></p>');
  assert.is(md('mail [me](mailto:a@b.c)'), '<p>mail <a href="mailto:a@b.c" target="_blank" rel="noopener noreferrer">me</a></p>');
  assert.is(md('see https://example.com/x.'), '<p>see <a href="https://example.com/x" target="_blank" rel="noopener noreferrer">https://example.com/x</a>.</p>');
  assert.is(md('(https://example.com/wiki/A_(b))'), '<p>(<a href="https://example.com/wiki/A_(b)" target="_blank" rel="noopener noreferrer">https://example.com/wiki/A_(b)</a>)</p>');
});

test('dangerous links stay text', () => {
  assert.is(md('[x](javascript:alert(1))'), '<p>[x](javascript:alert(1))</p>');
  assert.is(md('[x](JaVaScRiPt:alert(1))'), '<p>[x](JaVaScRiPt:alert(1))</p>');
  assert.is(md('[x](data:text/html;base64,PHNjcmlwdD4=)'), '<p>[x](data:text/html;base64,PHNjcmlwdD4=)</p>');
  assert.is(md('[x](vbscript:msgbox)'), '<p>[x](vbscript:msgbox)</p>');
  assert.is(safeUrl('java\tscript:alert(1)'), undefined);
  assert.is(safeUrl('/relative'), undefined);
  assert.is(safeUrl('https://ok.example/'), 'https://ok.example/');
});

test('raw HTML is text, never elements', () => {
  const out = md('<script>alert(1)</script> <img src=x onerror=alert(1)> <svg onload=alert(1)><a href="javascript:1">x</a></svg>');
  assert.is(out, '<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt; &lt;svg onload=alert(1)&gt;&lt;a href="javascript:1"&gt;x&lt;/a&gt;&lt;/svg&gt;</p>');
  assert.not.match(out, /<(script|img|svg)/);
});

test('lists, nested content and quotes', () => {
  assert.is(md('- one\n- **two**\n* three'), '<ul><li>one</li><li><strong>two</strong></li><li>three</li></ul>');
  assert.is(md('3. c\n4. d'), '<ol start="3"><li>c</li><li>d</li></ol>');
  assert.is(md('1. a\n2. b'), '<ol><li>a</li><li>b</li></ol>');
  assert.is(md('> quoted *text*\n> more\n\nafter'), '<blockquote><p>quoted <em>text</em><br></br>more</p></blockquote><p>after</p>');
  assert.is(md('- a\n  - b'), '<ul><li><p>a</p><ul><li>b</li></ul></li></ul>');
});

test('headings are scaled down', () => {
  assert.is(md('# Title'), '<h3 class="md-heading">Title</h3>');
});

test('mentions and channel links', () => {
  const out = md('hi @Alice and @bob. see ~town-square, mail a@b.c', {
    myUsername: 'bob',
    channelHref: (n: string) => `/team/channels/${n}`,
  });
  assert.is(
    out,
    '<p>hi <span class="mention" data-mention="alice">@Alice</span> and <span class="mention mention-me" data-mention="bob">@bob</span>. see <a href="/team/channels/town-square" class="channel-link" data-channel="town-square">~town-square</a>, mail a@b.c</p>',
  );
  assert.match(md('@channel'), 'mention mention-me');
  assert.match(md('@x', { onMention: () => {} }), '<button type="button" class="mention" data-mention="x" onClick=fn>@x</button>');
  assert.is(md('~~strike~~ not a channel'), '<p><del>strike</del> not a channel</p>');
});

test('markdownToText strips markup', () => {
  assert.is(markdownToText('**hi** [there](https://x.y) `c`'), 'hi there c');
});

test('deep nesting does not blow the stack', () => {
  const s = '>'.repeat(500) + ' x ' + '**'.repeat(500) + '[a](' .repeat(200);
  assert.ok(md(s).length > 0);
});

test.run();
