#!/usr/bin/env node
// Runs every *.test.ts file (uvu suites) in its own Node process, TEST_JOBS at a time, and ends
// with "N passed, N failed". Arguments filter files by substring: `npm test -- posts realtime`.
// TEST_DIRS (comma-separated) chooses the folders searched: `npm run test:deploy` uses `deploy`,
// whose suites need nginx, helm and docker-compose and run once in CI, apart from `npm test`.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { webBuildIsCurrent } from './web-sources.mjs';
import { join, relative } from 'node:path';
import { cpus } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const jobs = Number(process.env.TEST_JOBS || Math.max(1, Math.min(cpus().length, 4)));
const timeoutMs = Number(process.env.TEST_TIMEOUT_MS || 5 * 60_000);
// A suite that printed its summary but keeps running has a handle left open (a timer, a socket).
const lingerMs = 5000;

// The fault suite (test/faults: its own PostgreSQL and Redis, killed on purpose) runs apart:
// `npm run test:faults`, once in CI.
const faultsDir = join(root, 'test', 'faults');
const withFaults = (process.env.TEST_DIRS || '').split(',').some((d) => join(root, d).startsWith(faultsDir));

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (p === faultsDir && !withFaults) continue;
    if (statSync(p).isDirectory()) find(p, out);
    else if (/\.test\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

const files = (process.env.TEST_DIRS || 'src,test,web,scripts').split(',')
  .flatMap((d) => {
    try {
      return find(join(root, d));
    } catch {
      return [];
    }
  })
  .map((p) => relative(root, p))
  .filter((p) => !filters.length || filters.some((f) => p.includes(f)))
  .sort();

// Slow suites (processes, browsers) first so they overlap with the quick ones.
const weight = (f) => (/(process|browser|e2e|cluster|binary)/.test(f) ? 0 : 1);
files.sort((a, b) => weight(a) - weight(b) || a.localeCompare(b));

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
const groups = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const pid of groups) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    process.exit(130);
  });
}

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, NODE_DISABLE_COLORS: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: killing the group also stops servers the suite spawned, so a
      // killed or leaky suite leaves no orphans behind.
      detached: true,
    });
    groups.add(child.pid);
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    let out = '';
    let linger;
    let lingered = false;
    const onData = (d) => {
      out += d;
      if (!linger && /Duration:\s+[\d.]+m?s/.test(out)) {
        linger = setTimeout(() => {
          lingered = true;
          killGroup();
        }, lingerMs);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      out += `\n[test runner] ${file} timed out after ${timeoutMs} ms; killed\n`;
      killGroup();
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(linger);
      killGroup(); // anything the suite left running
      groups.delete(child.pid);
      // Judge a lingering suite by its own summary (failed = total - passed - skipped); the leak is
      // reported as a warning, not counted as a failure.
      if (lingered) code = 0;
      const num = (label) => {
        const m = new RegExp(`${label}:\\s+(\\d+)`).exec(out);
        return m ? Number(m[1]) : undefined;
      };
      const total = num('Total');
      const ok = num('Passed');
      const skip = num('Skipped') ?? 0;
      let p = ok ?? 0;
      let f = total !== undefined && ok !== undefined ? total - ok - skip : 0;
      if (code !== 0 && f === 0) f = 1; // crashed, or failed outside a test
      if (code === 0 && total === undefined) f = 1; // printed no summary: not a uvu suite that ran
      passed += p;
      failed += f;
      skipped += skip;
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      const mark = f ? 'FAIL' : 'ok  ';
      process.stdout.write(`${mark} ${file}  ${p} passed${f ? `, ${f} failed` : ''}${skip ? `, ${skip} skipped` : ''}  (${secs}s)\n`);
      if (lingered) out += `\n[warn] ${file} did not exit ${lingerMs / 1000} s after its summary (an open handle); killed\n`;
      const notes = out.split('\n').filter((l) => l.startsWith('[skip]') || l.startsWith('[warn]'));
      for (const n of notes) process.stdout.write(`     ${n}\n`);
      if (f) failures.push({ file, out });
      resolve();
    });
  });
}

// The source-mode server serves dist/web (the web client's build). Build it here, once, when it
// is missing or older than its sources: a suite that finds it missing would fail (binary.test.ts's
// client-route fallback on a fresh `npm ci && npm test`), and browser suites building it each on
// their own would delete one another's output mid-run (buildWeb starts by emptying the folder).
if (files.length && existsSync(join(root, 'web/src')) && !webBuildIsCurrent(root)) {
  const t = Date.now();
  const { buildWeb } = await import(join(root, 'scripts/build-web.mjs'));
  await buildWeb(join(root, 'dist/web'));
  process.stdout.write(`built dist/web (the web client for the source-mode server) in ${Date.now() - t} ms\n`);
}

const queue = [...files];
await Promise.all(
  Array.from({ length: Math.min(jobs, queue.length || 1) }, async () => {
    while (queue.length) await runFile(queue.shift());
  }),
);

for (const { file, out } of failures) {
  process.stdout.write(`\n===== ${file} =====\n${out.slice(-8000)}\n`);
}
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exitCode = failed || !files.length ? 1 : 0;
