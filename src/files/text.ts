/**
 * The searchable text of an upload: for text files only, the first MAX_CONTENT_BYTES decoded as
 * UTF-8. Binary files (and text that turns out not to be UTF-8 text) have none; the name is
 * still searched.
 */
export const MAX_CONTENT_BYTES = 64 * 1024;

const TEXT_TYPES = new Set(['application/json', 'application/xml', 'application/javascript', 'application/x-yaml', 'application/yaml', 'application/sql', 'application/toml', 'application/x-sh']);
const TEXT_EXTENSIONS = new Set([
  'txt', 'md', 'markdown', 'csv', 'tsv', 'log', 'json', 'yaml', 'yml', 'toml', 'ini', 'conf', 'cfg', 'xml', 'html', 'htm', 'css',
  'js', 'mjs', 'cjs', 'ts', 'tsx', 'jsx', 'py', 'rb', 'go', 'rs', 'java', 'kt', 'c', 'h', 'cc', 'cpp', 'hpp', 'cs', 'php', 'sh',
  'sql', 'rst', 'tex', 'srt', 'vtt', 'env', 'properties', 'gradle', 'swift', 'scala', 'lua', 'pl', 'r', 'diff', 'patch',
]);

export function isTextFile(mime: string, extension: string): boolean {
  return mime.startsWith('text/') || TEXT_TYPES.has(mime) || TEXT_EXTENSIONS.has(extension.toLowerCase());
}

/**
 * The text of `head` (the file's first bytes) if it reads as UTF-8 text: no NUL bytes, and no
 * invalid sequences except one cut at the end. '' otherwise.
 */
export function extractText(head: Buffer): string {
  let b = head.subarray(0, MAX_CONTENT_BYTES);
  if (b.includes(0)) return '';
  // A multi-byte character cut by the limit: drop its leading bytes (at most 3).
  if (head.length > b.length) {
    let end = b.length;
    for (let i = 1; i <= 3 && end - i >= 0; i++) {
      const c = b[end - i];
      if ((c & 0xc0) === 0x80) continue; // a continuation byte: look further back
      const len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
      if (len > i) end -= i;
      break;
    }
    b = b.subarray(0, end);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(b);
  } catch {
    return '';
  }
}
