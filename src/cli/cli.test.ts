// The command line as a process: --help for every command (found by walking the program, so new
// commands are covered automatically), exit codes 0/1/2, version, and migrate on both databases.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import type { Command } from 'commander';
import { buildProgram } from '../main.ts';
import { binaryChoice, runCli, tempDir } from '../../test/process.ts';
import { createPgDatabase } from '../../test/db.ts';
import { bundledMigrations } from '../db/migrate.ts';

const dirs: string[] = [];
const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};

function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

/** Runs at most `n` CLI processes at once (the machine is small and shared). */
async function limited<T, R>(items: T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

test('--help works for the program and every command, exit 0', async () => {
  const paths = [[], ...commandPaths(buildProgram())];
  for (const expected of ['serve', 'migrate', 'migrate status', 'config check', 'version']) {
    assert.ok(paths.some((p) => p.join(' ') === expected), `command ${expected} exists`);
  }
  const runs = await limited(paths, 3, (p) => runCli([...p, '--help']));
  runs.forEach((r, i) => {
    const name = ['rustchat', ...paths[i]].join(' ');
    assert.is(r.code, 0, `${name} --help: ${r.stderr}`);
    assert.match(r.stdout, `Usage: ${name}`, `${name} --help prints its usage`);
  });
  const serve = runs[paths.findIndex((p) => p.join(' ') === 'serve')].stdout;
  for (const flag of ['--host', '--port', '--data-dir', '--config', '--no-migrate']) assert.match(serve, flag);
});

test('usage errors exit 2: no command, unknown command, unknown option, bad value', async () => {
  const runs = await limited([[], ['frobnicate'], ['serve', '--frob'], ['serve', '--port', 'eighty'], ['version', 'extra', 'args']], 3, (a) => runCli(a));
  for (const [i, r] of runs.entries()) assert.is(r.code, 2, `case ${i}: ${r.stdout}${r.stderr}`);
  assert.match(runs[0].stderr, 'Usage: rustchat');
  assert.match(runs[1].stderr, "unknown command 'frobnicate'");
  assert.match(runs[2].stderr, "unknown option '--frob'");
  assert.match(runs[3].stderr, '--port');
});

test('failures exit 1 with a one-line reason', async () => {
  const r = await runCli(['migrate', '--data-dir', dir()], {
    env: { RUSTCHAT_DATABASE_URL: 'postgres://nobody:pw@127.0.0.1:1/none', RUSTCHAT_JWT_SECRET: 'x'.repeat(40) },
  });
  assert.is(r.code, 1);
  assert.match(r.stderr, /^error: cannot connect to PostgreSQL at 127\.0\.0\.1:1\/none: ECONNREFUSED\n$/);
});

test('version prints version, commit, Node version and build date (text and --json)', async () => {
  const [text, json] = await Promise.all([runCli(['version']), runCli(['version', '--json'])]);
  assert.is(text.code, 0);
  assert.is(json.code, 0);
  const info = JSON.parse(json.stdout);
  assert.equal(Object.keys(info).sort(), ['build_date', 'commit', 'node', 'version']);
  assert.match(info.node, /^v\d+\./);
  assert.match(text.stdout, `rustchat ${info.version} (commit ${info.commit}`);
  if (binaryChoice().use) {
    assert.match(info.node, /^v24\./, 'the executable embeds Node 24');
    assert.ok(!Number.isNaN(Date.parse(info.build_date)), 'build date is a date');
    assert.match(info.commit, /^[0-9a-f]{12}(-dirty)?$|^unknown$/);
  }
});

async function migrateCycle(dataDir: string, env: Record<string, string> = {}) {
  const before = await runCli(['migrate', 'status', '--json', '--data-dir', dataDir], { env });
  assert.is(before.code, 0, before.stderr);
  const first = await runCli(['migrate', '--json', '--data-dir', dataDir], { env });
  assert.is(first.code, 0, first.stderr);
  const again = await runCli(['migrate', '--data-dir', dataDir], { env });
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stdout, 'up to date');
  const after = await runCli(['migrate', 'status', '--json', '--data-dir', dataDir], { env });
  assert.is(after.code, 0, after.stderr);
  const status = JSON.parse(after.stdout) as { version: number; state: string }[];
  assert.equal(
    status.map((s) => [s.version, s.state]),
    bundledMigrations().map((m) => [m.version, 'applied']),
  );
  return { before: JSON.parse(before.stdout) as { state: string }[], applied: JSON.parse(first.stdout).applied as number[] };
}

test('migrate and migrate status on the embedded database', async () => {
  const { applied } = await migrateCycle(dir());
  // The executable's first boot loads a template that already has every migration applied.
  if (!binaryChoice().use) assert.equal(applied, bundledMigrations().map((m) => m.version));
});

test('migrate and migrate status on PostgreSQL', async () => {
  const pg = await createPgDatabase();
  if (!pg) return console.log('[skip] migrate on PostgreSQL: RUSTCHAT_TEST_DATABASE_URL is not set');
  try {
    const { before, applied } = await migrateCycle(dir(), { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: 'x'.repeat(40) });
    assert.ok(before.every((s) => s.state === 'pending'));
    assert.equal(applied, bundledMigrations().map((m) => m.version));
  } finally {
    await pg.drop();
  }
});

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test.run();
