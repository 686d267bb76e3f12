/**
 * Static checks in `npm test` (so CI fails on them): the compiler with the project's flags
 * (tsconfig.json), ESLint (eslint.config.js: a few bug-catching rules, `any` only with a reason
 * in production code) and the import rules of docs/architecture.md (.dependency-cruiser.cjs: no
 * cycles, no upward imports). Alone: `npm test -- static-checks`, or `npm run lint`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = join(import.meta.dirname, '..');

function run(script: string, args: string[]): Promise<{ code: number; text: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, script), ...args], { cwd: root, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? 1 : 0, text: stdout + stderr });
    });
  });
}

// The checks do not depend on the database: the PostgreSQL pass of CI skips them (they cost ~50 s
// of CPU and already ran in the embedded pass).
const skip = process.env.RUSTCHAT_TEST_DATABASE_URL ? 'static checks run once, in the embedded pass' : '';
if (skip) console.log(`[skip] ${skip}`);

test('tsc --noEmit: clean', async () => {
  if (skip) return;
  const out = await run('node_modules/typescript/bin/tsc', ['--noEmit', '-p', '.']);
  assert.is(out.code, 0, out.text);
});

test('eslint: no problems', async () => {
  if (skip) return;
  const eslint = new ESLint({ cwd: root });
  const results = await eslint.lintFiles(['.']);
  const problems = results.flatMap((r) => r.messages.map((m) => `${r.filePath.slice(root.length + 1)}:${m.line}:${m.column} ${m.ruleId ?? 'parse'}: ${m.message}`));
  assert.equal(problems, [], problems.join('\n'));
});

test('imports: no cycles, no upward imports (dependency-cruiser)', async () => {
  if (skip) return;
  const out = await run('node_modules/dependency-cruiser/bin/dependency-cruise.mjs', ['--output-type', 'err', 'src', 'web/src']);
  assert.ok(/no dependency violations found/.test(out.text), out.text);
  assert.is(out.code, 0, out.text);
});

test.run();
