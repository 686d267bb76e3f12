import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

declare const __RUSTCHAT_BUILD__: { version: string; commit: string; date: string } | undefined;

export interface BuildInfo {
  version: string;
  commit: string;
  build_date: string;
  node: string;
}

let cached: BuildInfo | undefined;

/** Version, git commit and build date: baked in by build.mjs, read from the checkout in development. */
export function buildInfo(): BuildInfo {
  if (cached) return cached;
  if (typeof __RUSTCHAT_BUILD__ !== 'undefined') {
    cached = { version: __RUSTCHAT_BUILD__.version, commit: __RUSTCHAT_BUILD__.commit, build_date: __RUSTCHAT_BUILD__.date, node: process.version };
    return cached;
  }
  const root = fileURLToPath(new URL('../', import.meta.url));
  const version = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).version as string;
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    /* not a checkout */
  }
  cached = { version, commit, build_date: 'development', node: process.version };
  return cached;
}
