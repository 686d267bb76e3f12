/**
 * The event contract is closed under the compiler: an event added to `EventMap` without a
 * Mattermost translation (src/http/v4/ws-serializer.ts) or a reducer handler
 * (src/realtime/reducer.ts) does not compile. Compiles those modules twice with the project's
 * own compiler options: as they are (clean), and with test/type-fixtures/new-event.ts, which adds
 * one event the way a new line in EventMap would (it must fail, in exactly those places).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import ts from 'typescript';

const root = join(import.meta.dirname, '..', '..');
const seams = ['src/http/v4/ws-serializer.ts', 'src/realtime/reducer.ts', 'src/contract/events.ts'].map((f) => join(root, f));

const cfg = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => assert.unreachable(String(d.messageText)) })!;
const host = ts.createCompilerHost(cfg.options);
let previous: ts.Program | undefined;

function compile(extra: string[]): { file: string; message: string }[] {
  // The second compile reuses the first's parsed files (most of the time is parsing libraries).
  const program = ts.createProgram({ rootNames: [...seams, ...extra], options: { ...cfg.options, noEmit: true }, host, oldProgram: previous });
  previous = program;
  return ts.getPreEmitDiagnostics(program).map((d) => ({
    file: d.file ? d.file.fileName.slice(root.length + 1) : '',
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }));
}

test('the seams compile as they are', () => {
  assert.equal(compile([]), []);
});

test('an event without a Mattermost translation or a reducer handler is a compile error', () => {
  const errors = compile([join(root, 'test/type-fixtures/new-event.ts')]);
  const at = (file: string) => errors.filter((e) => e.file === file && e.message.includes('draft_saved'));
  assert.ok(at('src/http/v4/ws-serializer.ts').length, `no error in the Mattermost serializer: ${JSON.stringify(errors)}`);
  assert.ok(at('src/realtime/reducer.ts').length, `no error in the reducer: ${JSON.stringify(errors)}`);
  assert.ok(at('src/contract/events.ts').length, 'EVENT_NAMES must list it too');
  assert.equal([...new Set(errors.map((e) => e.file))].sort(), ['src/contract/events.ts', 'src/http/v4/ws-serializer.ts', 'src/realtime/reducer.ts'], JSON.stringify(errors));
});

test.run();
