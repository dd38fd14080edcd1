/**
 * The engine's signal: one definition, read back from a running program's
 * environment (how an attached session learns it), and the live tables read
 * from /proc while a process is held stopped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { DEFAULT_CKPT_SIGNAL, engineSignalOf, liveTablesFromProc, parseEngineSignal } from '../../adapter/engine';

test('an environment value is an engine signal only when it is a signal number', () => {
  assert.equal(DEFAULT_CKPT_SIGNAL, 62);
  assert.equal(parseEngineSignal('40'), 40);
  for (const bad of [undefined, '', '0', '65', '-3', '12x', '4.5']) assert.equal(parseEngineSignal(bad), undefined, String(bad));
});

test('a running program\'s engine signal comes from its environment; a process without one has none', async (t) => {
  const told = spawn('sleep', ['30'], { env: { ...process.env, CKPT_SIGNAL: '41' } });
  const plain = spawn('sleep', ['30'], { env: { PATH: process.env.PATH ?? '' } });
  t.after(() => { told.kill('SIGKILL'); plain.kill('SIGKILL'); });
  await Promise.all([told, plain].map((c) => new Promise((r) => c.once('spawn', r))));
  // spawn resolves once the child exists; its environment is the exec'd one shortly after.
  const deadline = Date.now() + 10000;
  while (engineSignalOf(told.pid!) === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(engineSignalOf(told.pid!), 41);
  assert.equal(engineSignalOf(plain.pid!), undefined);
  assert.equal(engineSignalOf(2 ** 22 + 1), undefined);
});

test('live tables from /proc: the hello\'s virtual ids, the kernel\'s threads and fds, sorted by virtual pid', async (t) => {
  const a = spawn('sleep', ['30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const b = spawn('sleep', ['30'], { stdio: ['ignore', 'ignore', 'ignore'] });
  t.after(() => { a.kill('SIGKILL'); b.kill('SIGKILL'); });
  await Promise.all([a, b].map((c) => new Promise((r) => c.once('spawn', r))));
  const tables = liveTablesFromProc([
    { pid: a.pid!, vpid: 20, vppid: 1, ppid: process.pid, restored: true, threads: [{ tid: a.pid!, vtid: 20 }] },
    { pid: b.pid!, vpid: 10, vppid: 1, ppid: process.pid, restored: false },
  ]);
  assert.equal(tables.source, 'live');
  assert.deepEqual(tables.processes.map((p) => p.vpid), [10, 20]);
  const [pb, pa] = tables.processes;
  assert.equal(pa.pid, a.pid);
  assert.deepEqual(pa.threads, [{ vtid: 20, tid: a.pid }]);
  assert.deepEqual(pb.threads, [{ vtid: b.pid, tid: b.pid }]);
  // b's stdio is /dev/null; a's stdout is the pipe to this test.
  assert.equal(pb.fds.find((f) => f.fd === 1)?.path, '/dev/null');
  assert.match(pa.fds.find((f) => f.fd === 1)?.path ?? '', /^(pipe|socket):\[\d+\]$/);
});
