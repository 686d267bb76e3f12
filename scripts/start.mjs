#!/usr/bin/env node
// `npm start [-- serve flags]`: builds dist/rustchat when it is missing or older than any source,
// then runs `dist/rustchat serve` with the extra arguments (default: port 8080, data in ./data).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { constants } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const binary = join(root, 'dist', 'rustchat');

/** Newest modification time under the inputs of the build. */
function newestSource() {
  let newest = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) if (name !== 'node_modules' && !name.startsWith('.')) visit(join(p, name));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['src', 'web', 'build.mjs', 'scripts/build-web.mjs', 'package.json', 'package-lock.json']) visit(join(root, p));
  return newest;
}

const stale = !existsSync(binary) || statSync(binary).mtimeMs < newestSource();
if (stale) {
  process.stdout.write(existsSync(binary) ? 'start: sources changed since the last build; rebuilding\n' : 'start: dist/rustchat not built yet; building\n');
  const b = spawnSync(process.execPath, [join(root, 'build.mjs')], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

const child = spawn(binary, ['serve', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
// Ctrl-C reaches the whole process group, so the server gets SIGINT itself; forward SIGTERM/SIGHUP
// sent to this wrapper alone, and wait for the server's own graceful exit either way.
process.on('SIGINT', () => {});
for (const sig of ['SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
child.on('error', (e) => {
  process.stderr.write(`start: cannot run ${binary}: ${e.message}\n`);
  process.exit(1);
});
