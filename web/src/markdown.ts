/**
 * A small, safe Markdown renderer for chat messages. It builds Preact vnodes directly (never
 * HTML strings, never innerHTML), so anything the author typed that looks like HTML stays text.
 * Supported: **bold**, *italic* or _italic_, ~~strike~~, `code`, ``` fenced code ```, [links](url),
 * bare URLs, lists (- * + and 1.), task lists (- [ ] / - [x]), GFM tables, > quotes, # headings,
 * @mentions, ~channel links and :emoji: names (drawn by `emoji`, when it knows the name). Link targets must be http, https or mailto; anything else is shown
 * as the original text. Search results pass `highlight` to mark the matched words.
 */
import { h as createElement, type ComponentChild, type VNode } from 'preact';

// One loose signature: the renderer builds DOM elements only.
const h = (tag: string, props: Record<string, unknown> | null, ...children: ComponentChild[]): VNode => createElement(tag, props, ...children) as VNode;

export interface MarkdownOptions {
  /** Lower-case usernames that count as "me" (highlighted mentions). */
  myUsername?: string;
  /** href for a ~channel link, or undefined to render it as plain text. */
  channelHref?: (name: string) => string | undefined;
  /** Called when an @mention is clicked (e.g. open a profile); mentions render as buttons then. */
  onMention?: (username: string) => void;
  /** Draws `:name:` as an emoji; undefined keeps the text (an unknown name). Never inside code. */
  emoji?: (name: string) => ComponentChild | undefined;
  /** Words to mark (search matches), matched case-insensitively in text, never inside code. */
  highlight?: string[];
}

/** At most this many columns in a table; wider "tables" stay paragraphs. */
export const MAX_TABLE_COLUMNS = 64;
/** At most this many highlight words are used (search sends at most a few dozen). */
const MAX_HIGHLIGHTS = 32;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A regex matching any of the highlight words as whole words, or undefined. */
function highlightRe(words: string[] | undefined): RegExp | undefined {
  const list = [...new Set((words ?? []).map((w) => w.trim()).filter((w) => w.length > 0 && w.length <= 200))].slice(0, MAX_HIGHLIGHTS);
  if (!list.length) return undefined;
  list.sort((a, b) => b.length - a.length); // longest first: "deployment" before "deploy"
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${list.map(escapeRe).join('|')})(?![\\p{L}\\p{N}_])`, 'giu');
}

/** Splits plain text into strings and <mark> elements for the highlight words. */
function marked(text: string, re: RegExp | undefined): ComponentChild[] {
  if (!re) return [text];
  const out: ComponentChild[] = [];
  let last = 0;
  re.lastIndex = 0;
  for (const m of text.matchAll(re)) {
    if (m.index! > last) out.push(text.slice(last, m.index));
    out.push(h('mark', { class: 'search-hit' }, m[0]));
    last = m.index! + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** Returns the normalized URL when it is safe to link to, else undefined. */
export function safeUrl(raw: string): string | undefined {
  const s = raw.trim();
  // Control characters and whitespace inside a scheme are classic filter bypasses ("java\tscript:").
  if (!s || /[\u0000-\u001f\u007f\s]/.test(s)) return undefined;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return undefined;
  }
  return SAFE_PROTOCOLS.has(u.protocol) ? u.href : undefined;
}

function link(href: string, children: ComponentChild): VNode {
  return h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, children);
}

// ---------------------------------------------------------------- inline

const MENTION_RE = /^@([a-z0-9][a-z0-9._-]{0,63})/i;
const CHANNEL_RE = /^~([a-z0-9][a-z0-9_-]{0,63})/i;
const EMOJI_RE = /^:([a-z0-9_+-]{1,64}):/i;
const URL_RE = /^(?:https?:\/\/|mailto:)[^\s<>"]+/i;
const ESCAPABLE = /[\\`*_{}\[\]()#+\-.!~>@|]/;
const WORD_CHAR = /[\p{L}\p{N}_]/u;
/** The characters that can start something other than plain text; any other is copied as is. */
const SPECIAL = new Set('\\\n`*_~[hHmM@:');

/** Parses one line-run of inline Markdown into children. */
export function renderInline(text: string, opts: MarkdownOptions = {}, depth = 0): ComponentChild[] {
  const out: ComponentChild[] = [];
  let buf = '';
  const hl = opts.highlight?.length ? highlightRe(opts.highlight) : undefined;
  const flush = () => {
    if (buf) out.push(...marked(buf, hl));
    buf = '';
  };
  // Word boundary test for openers like _ and @: previous char must not be a word char.
  const prevIsWord = (i: number) => i > 0 && WORD_CHAR.test(text[i - 1]!);
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    // Plain text: no copy of the rest of the line per character (a long page of posts spent a
    // good part of its render here, issue 20 target 6).
    if (!SPECIAL.has(c)) {
      buf += c;
      i++;
      continue;
    }
    const rest = () => text.slice(i);

    if (c === '\\' && i + 1 < text.length && ESCAPABLE.test(text[i + 1]!)) {
      buf += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '\n') {
      flush();
      out.push(h('br', null));
      i++;
      continue;
    }
    if (c === '`') {
      const ticks = /^`+/.exec(rest())![0];
      const end = text.indexOf(ticks, i + ticks.length);
      if (end > i) {
        flush();
        out.push(h('code', null, text.slice(i + ticks.length, end).replace(/^ (.+) $/, '$1')));
        i = end + ticks.length;
        continue;
      }
      buf += ticks;
      i += ticks.length;
      continue;
    }
    if (depth < 6 && (c === '*' || c === '_' || c === '~')) {
      const span = matchSpan(text, i, prevIsWord(i));
      if (span) {
        flush();
        out.push(h(span.tag, null, ...renderInline(span.inner, opts, depth + 1)));
        i = span.end;
        continue;
      }
    }
    if (c === '[') {
      const m = /^\[((?:[^\[\]\\]|\\.){1,1000})\]\(\s*([^\s()]*(?:\([^\s()]*\)[^\s()]*)*)\s*\)/.exec(rest());
      if (m) {
        const href = safeUrl(m[2]!);
        flush();
        if (href) out.push(link(href, depth < 6 ? renderInline(m[1]!, { ...opts, onMention: undefined }, depth + 1) : m[1]!));
        else out.push(m[0]); // unsafe or invalid target: show exactly what was typed
        i += m[0].length;
        continue;
      }
    }
    if ((c === 'h' || c === 'H' || c === 'm' || c === 'M') && !prevIsWord(i)) {
      const m = URL_RE.exec(rest());
      if (m) {
        let url = m[0];
        // Trailing punctuation usually ends the sentence, not the URL.
        while (/[.,;:!?'")\]]$/.test(url) && !(url.endsWith(')') && url.split('(').length > url.split(')').length - 1)) url = url.slice(0, -1);
        const href = safeUrl(url);
        if (href) {
          flush();
          out.push(link(href, marked(url, hl)));
          i += url.length;
          continue;
        }
      }
    }
    if (c === '@' && !prevIsWord(i)) {
      const m = MENTION_RE.exec(rest());
      if (m) {
        let name = m[1]!;
        while (name.endsWith('.') || name.endsWith('-')) name = name.slice(0, -1);
        const lower = name.toLowerCase();
        const special = lower === 'channel' || lower === 'all' || lower === 'here';
        const me = !!opts.myUsername && lower === opts.myUsername.toLowerCase();
        const cls = 'mention' + (me || special ? ' mention-me' : '');
        flush();
        if (opts.onMention && !special) {
          const cb = opts.onMention;
          out.push(h('button', { type: 'button', class: cls, 'data-mention': lower, onClick: () => cb(lower) }, '@' + name));
        } else out.push(h('span', { class: cls, 'data-mention': lower }, '@' + name));
        i += 1 + name.length;
        continue;
      }
    }
    if (c === '~' && text[i + 1] !== '~' && !prevIsWord(i)) {
      const m = CHANNEL_RE.exec(rest());
      if (m) {
        const name = m[1]!.toLowerCase();
        const href = opts.channelHref?.(name);
        flush();
        out.push(href ? h('a', { href, class: 'channel-link', 'data-channel': name }, '~' + m[1]) : h('span', { class: 'channel-link' }, '~' + m[1]));
        i += m[0].length;
        continue;
      }
    }
    if (c === ':' && opts.emoji && text[i - 1] !== ':') {
      const m = EMOJI_RE.exec(rest());
      const node = m ? opts.emoji(m[1]!.toLowerCase()) : undefined;
      if (m && node !== undefined) {
        flush();
        out.push(node);
        i += m[0].length;
        continue;
      }
    }
    buf += c;
    i++;
  }
  flush();
  return out;
}

interface Span {
  tag: 'strong' | 'em' | 'del';
  inner: string;
  end: number;
}

/** Emphasis spans: ** __ (bold), * _ (italic), ~~ (strike). The closer must hug non-space text. */
function matchSpan(text: string, i: number, afterWord: boolean): Span | undefined {
  for (const [marker, tag] of [
    ['**', 'strong'],
    ['__', 'strong'],
    ['~~', 'del'],
    ['*', 'em'],
    ['_', 'em'],
  ] as const) {
    if (!text.startsWith(marker, i)) continue;
    if (marker[0] === '_' && afterWord) continue; // snake_case_words stay as they are
    const start = i + marker.length;
    if (start >= text.length || /\s/.test(text[start]!)) continue;
    let j = start;
    while (true) {
      j = text.indexOf(marker, j + 1);
      if (j < 0) break;
      if (/\s/.test(text[j - 1]!)) continue;
      // "**" is not a closer for "*": skip doubled markers when matching single ones.
      if (marker.length === 1 && text[j + 1] === marker) {
        j++;
        continue;
      }
      if (marker.length === 2) while (text[j + 2] === marker[0]) j++; // ***x***: bold wraps italic
      if (marker[0] === '_' && /[\p{L}\p{N}]/u.test(text[j + marker.length] ?? '')) continue;
      const inner = text.slice(start, j);
      if (inner.includes('\n\n')) break;
      return { tag, inner, end: j + marker.length };
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- blocks

const FENCE_RE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)\s*$/;
const BULLET_RE = /^( {0,6})([-*+]|\d{1,9}[.)])\s+(.*)$/;
const QUOTE_RE = /^ {0,3}> ?(.*)$/;
const HEADING_RE = /^ {0,3}(#{1,6})\s+(.+?)\s*#*\s*$/;
const TASK_RE = /^\[([ xX])\]\s+(.*)$/s;
const DELIM_CELL_RE = /^\s*(:?)-+(:?)\s*$/;

/** Splits a table row at unescaped pipes; a leading and a trailing pipe are optional. */
export function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const cells: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && s[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (c === '|') {
      cells.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  cells.push(cur.trim());
  return cells;
}

type Align = 'left' | 'center' | 'right' | undefined;

/** The alignments of a GFM delimiter row (`| :-- | :-: | --: |`), or undefined when it is not one. */
function delimiterRow(line: string | undefined): Align[] | undefined {
  if (line === undefined || !line.includes('-') || !line.includes('|') || !/^[\s|:-]+$/.test(line)) return undefined;
  const cells = splitRow(line);
  if (!cells.length || cells.length > MAX_TABLE_COLUMNS) return undefined;
  const out: Align[] = [];
  for (const c of cells) {
    const m = DELIM_CELL_RE.exec(c);
    if (!m) return undefined;
    out.push(m[1] && m[2] ? 'center' : m[2] ? 'right' : m[1] ? 'left' : undefined);
  }
  return out;
}

/** Renders a whole message. Returns the vnodes for the message body. */
export function renderMarkdown(source: string, opts: MarkdownOptions = {}): VNode[] {
  return renderBlocks(source.replace(/\r\n?/g, '\n').split('\n'), opts, 0);
}

function renderBlocks(lines: string[], opts: MarkdownOptions, depth: number): VNode[] {
  const out: VNode[] = [];
  let para: string[] = [];
  const flushPara = () => {
    if (para.length) out.push(h('p', null, ...renderInline(para.join('\n'), opts)));
    para = [];
  };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const fence = FENCE_RE.exec(line);
    if (fence) {
      flushPara();
      const close = fence[1]!;
      const body: string[] = [];
      i++;
      while (i < lines.length && !(lines[i]!.trim().startsWith(close[0]!.repeat(close.length)) && lines[i]!.trim().replace(/[`~]/g, '') === '')) body.push(lines[i++]!);
      i++; // the closing fence (or end of message)
      const lang = fence[2] || undefined;
      out.push(h('pre', { class: 'code-block', 'data-lang': lang }, h('code', null, body.join('\n'))));
      continue;
    }
    if (!line.trim()) {
      flushPara();
      i++;
      continue;
    }
    if (depth < 4 && QUOTE_RE.test(line)) {
      flushPara();
      const inner: string[] = [];
      while (i < lines.length && QUOTE_RE.test(lines[i]!)) inner.push(QUOTE_RE.exec(lines[i++]!)![1]!);
      out.push(h('blockquote', null, ...renderBlocks(inner, opts, depth + 1)));
      continue;
    }
    const aligns = line.includes('|') ? delimiterRow(lines[i + 1]) : undefined;
    if (aligns) {
      const head = splitRow(line);
      if (head.length === aligns.length) {
        flushPara(); // "Here it is:\n| a | b |\n|---|---|": the table interrupts the paragraph
        const cols = aligns.length;
        const cell = (tag: 'th' | 'td', text: string, col: number) =>
          h(tag, aligns[col] ? { class: `md-align-${aligns[col]}` } : null, ...renderInline(text, opts));
        const body: VNode[] = [];
        i += 2;
        while (i < lines.length && lines[i]!.trim() && lines[i]!.includes('|') && !FENCE_RE.test(lines[i]!) && !QUOTE_RE.test(lines[i]!)) {
          const cells = splitRow(lines[i++]!);
          // GFM: short rows are padded with empty cells, long rows cut to the header's width.
          body.push(h('tr', null, ...Array.from({ length: cols }, (_, c) => cell('td', cells[c] ?? '', c))));
        }
        out.push(
          h(
            'div',
            { class: 'md-table-wrap' },
            h('table', { class: 'md-table' }, h('thead', null, h('tr', null, ...head.map((t, c) => cell('th', t, c)))), body.length ? h('tbody', null, ...body) : null),
          ),
        );
        continue;
      }
    }
    const heading = HEADING_RE.exec(line);
    if (heading) {
      flushPara();
      const level = Math.min(heading[1]!.length + 2, 6); // h3..h6: a message is not a page
      out.push(h(`h${level}`, { class: 'md-heading' }, ...renderInline(heading[2]!, opts)));
      i++;
      continue;
    }
    if (depth < 4 && BULLET_RE.test(line) && (para.length === 0 || BULLET_RE.exec(line)![1] === '')) {
      flushPara();
      const first = BULLET_RE.exec(line)!;
      const ordered = /\d/.test(first[2]!);
      const indent = first[1]!.length;
      const items: string[][] = [];
      while (i < lines.length) {
        const l = lines[i]!;
        const m = BULLET_RE.exec(l);
        if (m && m[1]!.length <= indent + 1 && /\d/.test(m[2]!) === ordered) {
          items.push([m[3]!]);
          i++;
        } else if (items.length && l.trim() && (/^\s{2,}/.test(l) || (!m && !FENCE_RE.test(l) && !QUOTE_RE.test(l) && items[items.length - 1]!.length > 0 && /^\s/.test(l)))) {
          items[items.length - 1]!.push(l.replace(/^\s{1,4}/, ''));
          i++;
        } else break;
      }
      const start = ordered ? parseInt(first[2]!, 10) : undefined;
      let tasks = 0;
      const lis = items.map((it) => {
        // "[ ] text" / "[x] text": a task list item with a read-only checkbox.
        const task = TASK_RE.exec(it[0]!);
        if (task) {
          tasks++;
          it = [task[2]!, ...it.slice(1)];
        }
        const blocks = renderBlocks(it, opts, depth + 1);
        // A single paragraph item renders without the <p> wrapper.
        const only = blocks.length === 1 && blocks[0]!.type === 'p' ? (blocks[0]!.props as { children?: ComponentChild }).children : blocks;
        if (!task) return h('li', null, only as ComponentChild);
        const done = task[1] !== ' ';
        return h('li', { class: 'task-item' }, h('input', { type: 'checkbox', disabled: true, checked: done, 'aria-label': done ? 'done' : 'not done' }), ' ', only as ComponentChild);
      });
      const listProps: Record<string, unknown> = {};
      if (ordered && start !== 1) listProps.start = start;
      if (tasks) listProps.class = 'task-list';
      out.push(h(ordered ? 'ol' : 'ul', Object.keys(listProps).length ? listProps : null, ...lis));
      continue;
    }
    para.push(line);
    i++;
  }
  flushPara();
  return out;
}

/** Plain-text rendering (notifications, document title, search snippets): markup removed. */
export function markdownToText(source: string): string {
  return source
    .replace(/```[\w+#.-]*\n?/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__|~~|`)/g, '')
    .replace(/(^|\s)[*_](\S[^*_]*)[*_]/g, '$1$2')
    .replace(/^\s*(?:>|#{1,6})\s?/gm, '')
    .trim();
}
