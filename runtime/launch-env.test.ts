import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { LAUNCH_ENV, missingLaunchSettings } from './launch-env';

const LAUNCH_ENV_SH = path.resolve(__dirname, '../scripts/launch-env.sh');
const NAMES = Object.keys(LAUNCH_ENV);

/** The launch settings after sourcing scripts/launch-env.sh (as `npm start` does) in an environment holding only `given`. */
function sourced(given: Record<string, string>): Record<string, string | undefined> {
  const script = `source ${JSON.stringify(LAUNCH_ENV_SH)}; for name in ${NAMES.join(' ')}; do printf '%s=%s\\n' "$name" "\${!name-}"; done`;
  const out = execFileSync('bash', ['-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...given } });
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1) || undefined]),
  );
}

describe('scripts/launch-env.sh (npm start)', () => {
  test('sets LAUNCH_ENV where nothing is set', () => {
    assert.deepEqual(sourced({}), LAUNCH_ENV);
  });

  test('a value already set wins; NODE_OPTIONS without the flag gets it added', () => {
    assert.deepEqual(sourced({ MALLOC_ARENA_MAX: '4', NODE_OPTIONS: '--require ./x.js --max-semi-space-size=8' }), {
      MALLOC_ARENA_MAX: '4',
      MALLOC_MMAP_THRESHOLD_: LAUNCH_ENV.MALLOC_MMAP_THRESHOLD_,
      NODE_OPTIONS: '--require ./x.js --max-semi-space-size=8',
    });
    assert.equal(sourced({ NODE_OPTIONS: '--require ./x.js' }).NODE_OPTIONS, `--require ./x.js ${LAUNCH_ENV.NODE_OPTIONS}`);
    for (const spelling of ['--max_semi_space_size 8', '--max-semi-space_size=8']) assert.equal(sourced({ NODE_OPTIONS: spelling }).NODE_OPTIONS, spelling);
    assert.equal(sourced({ MALLOC_MMAP_THRESHOLD_: '65536' }).MALLOC_MMAP_THRESHOLD_, '65536');
  });

  test('an empty value counts as unset, as glibc reads it', () => {
    assert.deepEqual(sourced({ MALLOC_ARENA_MAX: '', NODE_OPTIONS: '' }), LAUNCH_ENV);
  });
});

describe('missingLaunchSettings', () => {
  test('none when started as npm start starts it', () => {
    assert.deepEqual(missingLaunchSettings(sourced({}), [], 'linux'), []);
  });

  test('each one missing is named with its value', () => {
    assert.deepEqual(missingLaunchSettings({ NODE_OPTIONS: '--require ./x.js' }, [], 'linux'), [
      'MALLOC_ARENA_MAX=2',
      'MALLOC_MMAP_THRESHOLD_=131072',
      'NODE_OPTIONS=--max-semi-space-size=4',
    ]);
  });

  test('an empty malloc setting is missing, as glibc reads it', () => {
    assert.deepEqual(missingLaunchSettings({ MALLOC_ARENA_MAX: '', MALLOC_MMAP_THRESHOLD_: '131072', NODE_OPTIONS: '--max-semi-space-size=4' }, [], 'linux'), [
      'MALLOC_ARENA_MAX=2',
    ]);
  });

  test('the semi-space flag counts when given on the command line, in any spelling; other values count as given', () => {
    const env = { MALLOC_ARENA_MAX: '8', MALLOC_MMAP_THRESHOLD_: '65536' };
    assert.deepEqual(missingLaunchSettings(env, ['--max_semi_space_size=16'], 'linux'), []);
    assert.deepEqual(missingLaunchSettings({ ...env, NODE_OPTIONS: '--max-semi-space-size=2' }, [], 'linux'), []);
  });

  test('off Linux only the node flag is looked for: glibc alone reads the malloc settings', () => {
    assert.deepEqual(missingLaunchSettings({}, [], 'darwin'), ['NODE_OPTIONS=--max-semi-space-size=4']);
  });
});
