import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MALLOC_TUNING_ENV, mallocTuningEnv } from './malloc-tuning.ts';

test('serve on Linux gets the malloc settings added to its environment, keeping the rest', () => {
  const env = mallocTuningEnv(['serve', '--port', '0'], { PATH: '/usr/bin', RUSTCHAT_PORT: '1' }, 'linux');
  assert.ok(env);
  assert.is(env.PATH, '/usr/bin');
  assert.is(env.RUSTCHAT_PORT, '1');
  for (const [k, v] of Object.entries(MALLOC_TUNING_ENV)) assert.is(env[k], v, k);
});

test('no re-execution: other commands, other platforms, opt-out, settings already present', () => {
  assert.is(mallocTuningEnv(['version'], {}, 'linux'), undefined);
  assert.is(mallocTuningEnv([], {}, 'linux'), undefined);
  assert.is(mallocTuningEnv(['serve'], {}, 'darwin'), undefined);
  for (const off of ['0', 'false', 'off', 'no', ' OFF ']) assert.is(mallocTuningEnv(['serve'], { RUSTCHAT_MALLOC_TUNING: off }, 'linux'), undefined, off);
  assert.ok(mallocTuningEnv(['serve'], { RUSTCHAT_MALLOC_TUNING: '1' }, 'linux'));
  // The re-executed process itself: the settings are there, so it goes on (no loop).
  assert.is(mallocTuningEnv(['serve'], mallocTuningEnv(['serve'], {}, 'linux')!, 'linux'), undefined);
  for (const k of Object.keys(MALLOC_TUNING_ENV)) assert.is(mallocTuningEnv(['serve'], { [k]: '1' }, 'linux'), undefined, k);
  assert.is(mallocTuningEnv(['serve'], { GLIBC_TUNABLES: 'glibc.malloc.arena_max=4' }, 'linux'), undefined);
  assert.ok(mallocTuningEnv(['serve'], { GLIBC_TUNABLES: 'glibc.pthread.rseq=0' }, 'linux'));
});

test.run();
