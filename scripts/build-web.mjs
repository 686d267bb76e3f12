#!/usr/bin/env node
// Builds the web client (web/src/main.tsx + web/src/styles.css) into a directory of hashed,
// immutable assets plus an index.html that references them. No inline scripts or styles: the
// server sends a strict Content-Security-Policy (src/http/static.ts).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bundles the web client into outDir (emptied first).
 * Fails (throws) when the app shell is over its gzip budget or statically imports a screen that
 * must stay a lazy chunk (LAZY_ONLY: the system console, account settings).
 * @param {string} outDir
 * @param {{shellGzipBudget?: number}} [opts]
 * @returns {Promise<{files: string[], jsBytes: number, jsGzipBytes: number, totalJsBytes: number, totalJsGzipBytes: number, shellTransferBytes: number, shellInputs: string[]}>}
 *   jsBytes/jsGzipBytes count the app shell: the entry and the chunks it imports statically
 *   (lazily loaded chunks are in totalJs*); shellTransferBytes is what a browser downloads for the
 *   shell (index.html, CSS and those scripts) in the smallest precompressed form.
 */
export async function buildWeb(outDir, opts = {}) {
  const budget = opts.shellGzipBudget ?? SHELL_GZIP_BUDGET;
  outDir = resolve(outDir);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'assets'), { recursive: true });

  const result = await build({
    absWorkingDir: root,
    entryPoints: { app: 'web/src/main.tsx', style: 'web/src/styles.css' },
    outdir: join(outDir, 'assets'),
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    sourcemap: false,
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    assetNames: '[name]-[hash]',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    loader: { '.svg': 'file', '.png': 'file', '.woff2': 'file' },
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [slimEmojiData],
  });

  const outputs = result.metafile.outputs;
  const rel = (p) => '/' + relative(outDir, resolve(root, p)).split('\\').join('/');
  let appJs, appCss;
  for (const [p, o] of Object.entries(outputs)) {
    if (o.entryPoint === 'web/src/main.tsx') appJs = p;
    if (o.entryPoint === 'web/src/styles.css' && p.endsWith('.css')) appCss = p;
  }
  if (!appJs || !appCss) throw new Error('build-web: entry outputs not found');
  // esbuild emits an empty JS stub for a CSS entry; drop it.
  for (const [p, o] of Object.entries(outputs)) {
    if (o.entryPoint === 'web/src/styles.css' && p.endsWith('.js')) rmSync(resolve(root, p), { force: true });
  }

  // The app shell: the entry plus everything it imports statically (transitively).
  const shell = new Set();
  const visit = (p) => {
    if (shell.has(p)) return;
    shell.add(p);
    for (const imp of outputs[p].imports ?? []) if (imp.kind === 'import-statement' && outputs[imp.path]) visit(imp.path);
  };
  visit(appJs);
  const shellInputs = [...new Set([...shell].flatMap((p) => Object.keys(outputs[p].inputs ?? {})))].sort();
  const eager = shellInputs.filter((i) => LAZY_ONLY.some((re) => re.test(i)));
  if (eager.length) throw new Error(`build-web: ${eager.join(', ')} must load lazily (import() only), but the app shell includes it`);

  const template = readFileSync(join(root, 'web/index.html'), 'utf8');
  const preloads = [...shell].filter((p) => p !== appJs).map((p) => `<link rel="modulepreload" href="${rel(p)}">`).join('');
  const html = template
    .replace('<!--styles-->', `<link rel="stylesheet" href="${rel(appCss)}">`)
    .replace('<!--scripts-->', `${preloads}<script type="module" src="${rel(appJs)}"></script>`);
  if (html === template) throw new Error('build-web: web/index.html lacks the <!--styles--> / <!--scripts--> markers');
  writeFileSync(join(outDir, 'index.html'), html);

  // Precompressed siblings (<file>.br, <file>.gz) for text assets, served by Accept-Encoding
  // (src/http/static.ts); kept only when they save at least a tenth.
  let transferred = 0;
  const shellFiles = new Set([join(outDir, 'index.html'), resolve(root, appCss), ...[...shell].map((p) => resolve(root, p))]);
  const precompress = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        precompress(p);
        continue;
      }
      const buf = readFileSync(p);
      let best = buf.length;
      if (COMPRESSIBLE.test(name) && buf.length >= 1024) {
        const br = brotliCompressSync(buf, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_SIZE_HINT]: buf.length } });
        const gz = gzipSync(buf, { level: 9 });
        if (br.length < buf.length * 0.9) writeFileSync(p + '.br', br), (best = Math.min(best, br.length));
        if (gz.length < buf.length * 0.9) writeFileSync(p + '.gz', gz), (best = Math.min(best, gz.length));
      }
      if (shellFiles.has(p)) transferred += best;
    }
  };
  precompress(outDir);

  const files = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.push('/' + relative(outDir, p).split('\\').join('/'));
    }
  };
  walk(outDir);
  files.sort();

  const size = (list) => {
    let raw = 0;
    let gz = 0;
    for (const p of list) {
      const buf = readFileSync(resolve(root, p));
      raw += buf.length;
      gz += gzipSync(buf, { level: 9 }).length;
    }
    return [raw, gz];
  };
  const [jsBytes, jsGzipBytes] = size([...shell]);
  if (jsGzipBytes > budget) {
    throw new Error(`build-web: the app shell is ${(jsGzipBytes / 1024).toFixed(1)} KB gzip, over its budget of ${(budget / 1024).toFixed(0)} KB: move rarely used screens into lazy chunks (import())`);
  }
  const [totalJsBytes, totalJsGzipBytes] = size(Object.keys(outputs).filter((p) => p.endsWith('.js') && outputs[p].entryPoint !== 'web/src/styles.css'));
  return { files, jsBytes, jsGzipBytes, totalJsBytes, totalJsGzipBytes, shellTransferBytes: transferred, shellInputs };
}

/** The app shell's JavaScript, gzip level 9, at most (issue 13: 150 KB). */
export const SHELL_GZIP_BUDGET = 150 * 1024;
/** Sources that only lazily loaded chunks may contain. */
const LAZY_ONLY = [/^web\/src\/components\/admin\//, /^web\/src\/components\/Settings\.tsx$/, /^web\/src\/emoji\/(data\.ts|picker\.tsx)$/, /^node_modules\/emojibase-data\//];
/**
 * emojibase-data's compact.json carries every skin-tone variant (a third of its size); the
 * picker does not offer them, so they are left out of the lazy emoji chunk (83 -> 56 KB gzip).
 */
const slimEmojiData = {
  name: 'slim-emoji-data',
  setup(b) {
    b.onLoad({ filter: /emojibase-data[\\/]en[\\/]compact\.json$/ }, (args) => {
      const list = JSON.parse(readFileSync(args.path, 'utf8')).map(({ skins, ...e }) => e);
      return { contents: JSON.stringify(list), loader: 'json' };
    });
  },
};

const COMPRESSIBLE = /\.(js|css|html|svg|json|txt|map)$/;

/** Human-readable one-line summary, printed by this script and by build.mjs. */
export function describeWebBuild(r) {
  const kb = (n) => (n / 1024).toFixed(1) + ' KB';
  return `web: app shell JS ${kb(r.jsBytes)} (${kb(r.jsGzipBytes)} gzip, budget ${kb(SHELL_GZIP_BUDGET)}); app shell transferred ${kb(r.shellTransferBytes)} (html+css+js, Brotli); all JS ${kb(r.totalJsBytes)} (${kb(r.totalJsGzipBytes)} gzip); ${r.files.length} files`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const r = await buildWeb(join(root, 'dist/web'));
  console.log(`${describeWebBuild(r)} -> dist/web in ${Date.now() - started} ms`);
}
