import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { computationDir, parseArgs } from '../../adapter/cli/argParser';
import { formatBytes, formatFlags } from '../../adapter/cli/formatting';
import { textTable } from '../../adapter/cli/textTable';
import { HelpRequested, UsageError } from '../../adapter/cli/usageError';

const launch = { name: 'launch', valueOptions: ['dir', 'interval'], rest: true };
const inspect = { name: 'inspect', valueOptions: ['dir'], flagOptions: ['json'], positionals: ['SNAPSHOT'] };

describe('argument parsing', () => {
  test('launch passes everything from the program on, options included', () => {
    const a = parseArgs(launch, ['--dir', 'D', '--interval=5', '--', 'prog', '--dir', 'x', '-v']);
    assert.equal(a.values.get('dir'), 'D');
    assert.equal(a.values.get('interval'), '5');
    assert.deepEqual(a.rest, ['prog', '--dir', 'x', '-v']);
    assert.deepEqual(parseArgs(launch, ['prog', '--help']).rest, ['prog', '--help']);
  });

  test('flags and positionals in any order', () => {
    const a = parseArgs(inspect, ['--json', '3', '--dir=/tmp/d']);
    assert.deepEqual(a.positionals, ['3']);
    assert.ok(a.flags.has('json'));
    assert.equal(computationDir(a), '/tmp/d');
  });

  test('usage errors name the problem', () => {
    const usage = (argv: string[], re: RegExp) =>
      assert.throws(() => parseArgs(inspect, argv), (e: Error) => e instanceof UsageError && re.test(e.message) && (e as UsageError).command === 'inspect');
    usage([], /^missing SNAPSHOT$/);
    usage(['1', '2'], /^unexpected argument '2'$/);
    usage(['--colour', '1'], /^unknown option --colour$/);
    usage(['-x', '1'], /^unknown option -x$/);
    usage(['1', '--dir'], /^option --dir needs a value$/);
    usage(['1', '--json=yes'], /^option --json takes no value$/);
    assert.throws(() => parseArgs(inspect, ['--help']), HelpRequested);
  });

  test('grouped short options, empty values, repeated options and `--` as the user typed them', () => {
    const usage = (spec: typeof inspect, argv: string[], re: RegExp) =>
      assert.throws(() => parseArgs(spec, argv), (e: Error) => e instanceof UsageError && re.test(e.message));
    usage(inspect, ['-xy', '1'], /^unknown option -xy$/);
    usage(inspect, ['--colour=red', '1'], /^unknown option --colour$/);
    usage(inspect, ['--dir=', '1'], /^option --dir needs a value$/);
    assert.throws(() => parseArgs(inspect, ['1', '-h']), HelpRequested);
    const restart = { name: 'restart', valueOptions: ['dir'], listOptions: ['env'], positionals: ['SNAPSHOT'] };
    const a = parseArgs(restart, ['--env', 'A=1', '--dir', 'D1', '--env=B=2', '--dir', 'D2', '--', '-3']);
    assert.deepEqual(a.lists.get('env'), ['A=1', 'B=2']);
    assert.equal(a.values.get('dir'), 'D2');
    assert.deepEqual(a.positionals, ['-3']);
    assert.deepEqual(parseArgs(launch, ['--dir', 'D', 'prog', '--', 'x']).rest, ['prog', '--', 'x']);
  });

  test('the directory defaults to $CKPT_DIR, then ./.ckpt', () => {
    const a = parseArgs(inspect, ['1']);
    assert.equal(computationDir(a, { CKPT_DIR: '/x' }), '/x');
    assert.equal(computationDir(a, {}), '.ckpt');
  });
});

describe('formatting', () => {
  test('tables align columns and right-align numbers', () => {
    assert.equal(textTable(['ID', 'LABEL', 'N'], [['1', 'a', 5], ['12', 'longer', 100]]), 'ID  LABEL     N\n1   a         5\n12  longer  100\n');
  });
  test('flags and sizes read like the man page', () => {
    assert.equal(formatFlags(0o2101), 'O_WRONLY|O_CREAT|O_APPEND');
    assert.equal(formatFlags(0o2100002), 'O_RDWR|O_CLOEXEC');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(3 * 1024 * 1024), '3.0 MiB');
  });
});
