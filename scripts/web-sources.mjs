// When the web client's build (dist/web) is out of date: shared by the test runner
// (scripts/test.mjs builds it once before the suites) and the browser harness
// (web/test/harness.ts: whether dist/rustchat carries a current client, and its own check when a
// suite runs alone). Plain JavaScript: the runner runs under node without tsx.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    t = Math.max(t, st.isDirectory() ? newest(p) : st.mtimeMs);
  }
  return t;
}

/** The newest modification time among the web client's sources (the reducer is shared with the server). */
export function webSourcesTime(root) {
  return Math.max(newest(join(root, 'web/src')), statSync(join(root, 'web/index.html')).mtimeMs, statSync(join(root, 'src/realtime/reducer.ts')).mtimeMs);
}

/** Whether dist/web exists and is newer than every web source. */
export function webBuildIsCurrent(root) {
  const index = join(root, 'dist/web/index.html');
  return existsSync(index) && statSync(index).mtimeMs >= webSourcesTime(root);
}
