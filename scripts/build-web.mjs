#!/usr/bin/env node
// Builds the web client (web/src/main.tsx + web/src/styles.css) into a directory of hashed,
// immutable assets plus an index.html that references them. No inline scripts or styles: the
// server sends a strict Content-Security-Policy (src/http/static.ts).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bundles the web client into outDir (emptied first).
 * @param {string} outDir
 * @returns {Promise<{files: string[], jsBytes: number, jsGzipBytes: number, totalJsBytes: number, totalJsGzipBytes: number}>}
 *   jsBytes/jsGzipBytes count the app shell: the entry and the chunks it imports statically
 *   (lazily loaded chunks are in totalJs*).
 */
export async function buildWeb(outDir) {
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

  const template = readFileSync(join(root, 'web/index.html'), 'utf8');
  const preloads = [...shell].filter((p) => p !== appJs).map((p) => `<link rel="modulepreload" href="${rel(p)}">`).join('');
  const html = template
    .replace('<!--styles-->', `<link rel="stylesheet" href="${rel(appCss)}">`)
    .replace('<!--scripts-->', `${preloads}<script type="module" src="${rel(appJs)}"></script>`);
  if (html === template) throw new Error('build-web: web/index.html lacks the <!--styles--> / <!--scripts--> markers');
  writeFileSync(join(outDir, 'index.html'), html);

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
  const [totalJsBytes, totalJsGzipBytes] = size(Object.keys(outputs).filter((p) => p.endsWith('.js') && outputs[p].entryPoint !== 'web/src/styles.css'));
  return { files, jsBytes, jsGzipBytes, totalJsBytes, totalJsGzipBytes };
}

/** Human-readable one-line summary, printed by this script and by build.mjs. */
export function describeWebBuild(r) {
  const kb = (n) => (n / 1024).toFixed(1) + ' KB';
  return `web: app shell JS ${kb(r.jsBytes)} (${kb(r.jsGzipBytes)} gzip, budget 150 KB); all JS ${kb(r.totalJsBytes)} (${kb(r.totalJsGzipBytes)} gzip); ${r.files.length} files`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const r = await buildWeb(join(root, 'dist/web'));
  console.log(`${describeWebBuild(r)} -> dist/web in ${Date.now() - started} ms`);
}
