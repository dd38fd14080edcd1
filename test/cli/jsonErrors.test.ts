/**
 * `--json` when a command fails: one JSON object `{ error, command, status, kind }`
 * where the result would have gone (stdout; launch and restart, whose stdout is the
 * program's, a last `{ event: "error" }` line on stderr), never a plain-text message
 * only, with the same message and exit status as without --json. A program's own
 * `--json` argument does not switch ckpt to JSON.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { killStarted, runCkpt } from '../fixtures/cliRunner';
import { tempDir } from '../fixtures/harness';

after(killStarted);

interface Failure { error: string; command?: string; status: number; kind: string; usage?: string }

/** The message the text form prints for a failure: `ckpt CMD: MESSAGE` (plus the usage after a usage error). */
function textMessage(stderr: string): string {
  const m = /^ckpt(?: \S+)?: (.*)$/m.exec(stderr);
  assert.ok(m, `a message on stderr: ${JSON.stringify(stderr)}`);
  return m[1];
}

describe('ckpt --json when a command fails', () => {
  let empty: string;
  let missing: string;

  before(() => {
    const root = tempDir('ckpt-jsonerr-');
    empty = path.join(root, 'empty');
    fs.mkdirSync(empty, { mode: 0o700 });
    missing = path.join(root, 'missing');
  });

  /** Runs the command line with --json and without; checks the JSON answer against the text one. */
  async function failsInJson(argv: string[], kind: string, status: number, command?: string): Promise<Failure> {
    const text = await runCkpt(argv);
    // --json first, so that a command line ending in an option without its value stays one.
    const r = await runCkpt([argv[0], '--json', ...argv.slice(1)]);
    assert.equal(r.code, status, `ckpt ${argv.join(' ')} --json: ${r.stdout}${r.stderr}`);
    assert.equal(text.code, status, 'the same status as without --json');
    assert.equal(r.stderr, '', 'nothing besides the JSON object');
    const failure = JSON.parse(r.stdout) as Failure;
    assert.deepEqual(Object.keys(failure).sort(), ['command', 'error', 'kind', 'status', ...(kind === 'usage' ? ['usage'] : [])]
      .filter((k) => k !== 'command' || command !== undefined).sort());
    assert.equal(failure.kind, kind);
    assert.equal(failure.status, status);
    assert.equal(failure.command, command);
    assert.equal(failure.error, textMessage(text.stderr), 'the message the text form prints');
    return failure;
  }

  test('a command line that cannot be understood: kind usage, status 2, with the command\'s usage', async () => {
    const unknown = await failsInJson(['list', '--dir', empty, '--bogus'], 'usage', 2, 'list');
    assert.equal(unknown.error, 'unknown option --bogus');
    assert.equal(unknown.usage, 'ckpt list [--dir D] [--json]');
    assert.equal((await failsInJson(['inspect', '--dir', empty], 'usage', 2, 'inspect')).error, 'missing SNAPSHOT');
    assert.equal((await failsInJson(['diff', '--dir', empty, '1'], 'usage', 2, 'diff')).error, 'missing SNAPSHOT_B');
    assert.equal((await failsInJson(['label', '--dir'], 'usage', 2, 'label')).error, 'option --dir needs a value');
    const label = await failsInJson(['label', '--dir', empty, '1'], 'usage', 2, 'label');
    assert.equal(label.error, 'missing TEXT');
    assert.equal(label.usage, 'ckpt label [--dir D] SNAPSHOT TEXT [--json]', 'the usage names --json where the command takes it');
    // completion prints a shell script and takes no --json: asked for one, it says so in JSON.
    const completion = await runCkpt(['completion', 'bash', '--json']);
    assert.equal(completion.code, 2);
    assert.equal((JSON.parse(completion.stdout) as Failure).error, 'unknown option --json');
    const command = await failsInJson(['nosuch'], 'usage', 2);
    assert.equal(command.error, "unknown command 'nosuch'");
    const misplaced: [string[], string][] = [[['--json'], 'missing COMMAND before --json'], [['--json', 'list'], '--json goes after the command: ckpt list --json']];
    for (const [argv, error] of misplaced) {
      const r = await runCkpt(argv);
      assert.equal(r.code, 2);
      assert.deepEqual(JSON.parse(r.stdout), { error, status: 2, kind: 'usage', usage: 'ckpt --help' });
    }
  });

  test('work that fails: kind failed, status 1, every command that reads a directory', async () => {
    for (const argv of [['list'], ['status'], ['checkpoint'], ['kill']]) {
      const f = await failsInJson([...argv, '--dir', missing], 'failed', 1, argv[0]);
      assert.match(f.error, new RegExp(`${missing}$`), `${argv[0]} names the directory`);
    }
    for (const argv of [['inspect', '1'], ['diff', '1', '2'], ['label', '1', 'x'], ['delete', '1'], ['restore', '1']]) {
      const f = await failsInJson([argv[0], '--dir', empty, ...argv.slice(1)], 'failed', 1, argv[0]);
      assert.equal(f.error, `there is no snapshot 1 in ${empty}`);
    }
    assert.equal((await failsInJson(['checkpoint', '--dir', empty], 'failed', 1, 'checkpoint')).error, `no program is running in ${empty}`);
    assert.deepEqual(fs.readdirSync(empty), [], 'nothing was written in the directory');
  });

  test('launch and restart: stdout is the program\'s, so the failure is a last JSON line on stderr', async () => {
    const cases: [string[], string, number][] = [
      [['launch', '--dir', path.join(empty, 'l'), '--json', '--', path.join(empty, 'no-program')], `cannot run ${path.join(empty, 'no-program')}: no such file`, 1],
      [['restart', '--dir', empty, '--json', '1'], `there is no snapshot 1 in ${empty}`, 1],
      [['launch', '--json', '--interval', '0', '--', 'true'], "--interval needs a positive number of seconds, not '0'", 2],
    ];
    for (const [argv, error, status] of cases) {
      const r = await runCkpt(argv);
      assert.equal(r.code, status, `${argv.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trimEnd().split('\n');
      assert.deepEqual(JSON.parse(lines.at(-1)!), {
        event: 'error', error, command: argv[0], status, kind: status === 2 ? 'usage' : 'failed',
        ...(status === 2 ? { usage: 'ckpt launch [--dir D] [--interval SECONDS] [--track DIR]... [--record] [--json] -- PROGRAM [ARGS...]' } : {}),
      });
    }
  });

  test('a --json among the program\'s arguments is the program\'s: the failure stays text', async () => {
    const program = path.join(empty, 'no-program');
    const r = await runCkpt(['launch', '--dir', path.join(empty, 'l'), '--', program, '--json']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `ckpt launch: cannot run ${program}: no such file\n`);
  });
});
