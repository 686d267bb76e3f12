import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { h, type ComponentChild, type VNode } from 'preact';
import { renderMarkdown, safeUrl, markdownToText, splitRow, MAX_TABLE_COLUMNS } from './markdown.ts';

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

test('GFM tables: header, alignment, inline markup, padding and cutting rows', () => {
  assert.is(
    md('| Name | Qty | Note |\n| :--- | ---: | :-: |\n| **apple** | 3 | `a\\|b` |\n| pear |'),
    '<div class="md-table-wrap"><table class="md-table"><thead><tr><th class="md-align-left">Name</th><th class="md-align-right">Qty</th><th class="md-align-center">Note</th></tr></thead>' +
      '<tbody><tr><td class="md-align-left"><strong>apple</strong></td><td class="md-align-right">3</td><td class="md-align-center"><code>a|b</code></td></tr>' +
      '<tr><td class="md-align-left">pear</td><td class="md-align-right"></td><td class="md-align-center"></td></tr></tbody></table></div>',
  );
  // without outer pipes, escaped pipes inside cells, extra cells cut
  assert.is(md('a | b\n--- | ---\nx \\| y | z | extra'), '<div class="md-table-wrap"><table class="md-table"><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>x | y</td><td>z</td></tr></tbody></table></div>');
  // a table interrupts a paragraph and ends at a blank line
  assert.is(md('Totals:\n| a |\n|---|\n| 1 |\n\nafter'), '<p>Totals:</p><div class="md-table-wrap"><table class="md-table"><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table></div><p>after</p>');
  // header only
  assert.is(md('| h |\n|-|'), '<div class="md-table-wrap"><table class="md-table"><thead><tr><th>h</th></tr></thead></table></div>');
});

test('not tables: mismatched header, no delimiter row, too many columns', () => {
  assert.is(md('| a | b |\n| --- |\n| 1 | 2 |'), '<p>| a | b |<br></br>| --- |<br></br>| 1 | 2 |</p>');
  assert.is(md('a | b\nc | d'), '<p>a | b<br></br>c | d</p>');
  const wide = Array.from({ length: MAX_TABLE_COLUMNS + 1 }, () => 'x').join('|');
  const delim = Array.from({ length: MAX_TABLE_COLUMNS + 1 }, () => '-').join('|');
  assert.not.match(md(`${wide}\n${delim}`), '<table');
  assert.equal(splitRow('| a | b \\| c |'), ['a', 'b | c']);
});

test('tables stay safe: HTML and javascript: links in cells are text', () => {
  const out = md('| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |\n|---|---|');
  assert.is(out, '<div class="md-table-wrap"><table class="md-table"><thead><tr><th>&lt;img src=x onerror=alert(1)&gt;</th><th>[x](javascript:alert(1))</th></tr></thead></table></div>');
});

test('task lists: read-only checkboxes, mixed with plain items', () => {
  assert.is(
    md('- [ ] write tests\n- [x] ship **it**\n- plain'),
    '<ul class="task-list"><li class="task-item"><input type="checkbox" disabled="true" checked="false" aria-label="not done"></input> write tests</li>' +
      '<li class="task-item"><input type="checkbox" disabled="true" checked="true" aria-label="done"></input> ship <strong>it</strong></li><li>plain</li></ul>',
  );
  assert.is(md('1. [X] done'), '<ol class="task-list"><li class="task-item"><input type="checkbox" disabled="true" checked="true" aria-label="done"></input> done</li></ol>');
  assert.is(md('- [link](https://a.b)'), '<ul><li><a href="https://a.b/" target="_blank" rel="noopener noreferrer">link</a></li></ul>');
});

test('search highlights: whole words, case-insensitive, not inside code or words', () => {
  assert.is(md('Deploy the deployment; DEPLOY! `deploy`', { highlight: ['deploy'] }), '<p><mark class="search-hit">Deploy</mark> the deployment; <mark class="search-hit">DEPLOY</mark>! <code>deploy</code></p>');
  assert.is(md('**big deploy** at https://x.y/deploy', { highlight: ['deploy'] }), '<p><strong>big <mark class="search-hit">deploy</mark></strong> at <a href="https://x.y/deploy" target="_blank" rel="noopener noreferrer">https://x.y/<mark class="search-hit">deploy</mark></a></p>');
  // regex characters in a match are literal
  assert.is(md('a (b) c.*', { highlight: ['(b)', 'c.*'] }), '<p>a <mark class="search-hit">(b)</mark> <mark class="search-hit">c.*</mark></p>');
  assert.is(md('nothing here', { highlight: [] }), '<p>nothing here</p>');
});

test(':name: is drawn by the emoji option when it knows the name; unknown names, code and URLs stay text', () => {
  const known: Record<string, string> = { smile: '😄', '+1': '👍', partyparrot: 'IMG' };
  const emoji = (n: string) => (known[n] ? h('span', { class: 'emoji', 'data-emoji': n }, known[n]) : undefined);
  assert.is(md('hi :smile: and :+1:!', { emoji }), '<p>hi <span class="emoji" data-emoji="smile">😄</span> and <span class="emoji" data-emoji="+1">👍</span>!</p>');
  assert.is(md(':nothing: :SMILE:', { emoji }), '<p>:nothing: <span class="emoji" data-emoji="smile">😄</span></p>');
  assert.is(md('`:smile:`', { emoji }), '<p><code>:smile:</code></p>');
  assert.is(md('**:partyparrot:**', { emoji }), '<p><strong><span class="emoji" data-emoji="partyparrot">IMG</span></strong></p>');
  assert.is(md('at 10:30:00 it is :smile:', { emoji }), '<p>at 10:30:00 it is <span class="emoji" data-emoji="smile">😄</span></p>');
  assert.is(md('hi :smile:'), '<p>hi :smile:</p>', 'without the option: text');
  assert.is(md('<img src=x onerror=alert(1)> :smile:', { emoji }), '<p>&lt;img src=x onerror=alert(1)&gt; <span class="emoji" data-emoji="smile">😄</span></p>');
});

test.run();
