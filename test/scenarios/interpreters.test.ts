/**
 * Interpreters and virtual machines that no one here wrote, checkpointed
 * mid-run through the real `ckpt` command line and restarted: Python, Node.js
 * (V8 with its worker threads, libuv's epoll and eventfd) and a JVM (HotSpot:
 * JIT compiler and GC threads, which ask pthread_getattr_np for their stacks). Each prints progress while it hashes a
 * long sequence; the output of the run up to the checkpoint followed by the
 * output of the restarted run must be that of one uninterrupted run.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { engineMissing, WAIT_MS, withRun } from './harness';
import { runPlain, which } from './realPrograms';

const TEST_MS = 10 * 60_000;

const PYTHON_SCRIPT = [
  'import hashlib',
  'h = hashlib.sha256()',
  'for i in range(6000000):',
  '    h.update(str(i).encode())',
  '    if i % 200000 == 0:',
  '        print("progress", i, h.hexdigest()[:12], flush=True)',
  'print("sum", h.hexdigest())',
].join('\n');

// A pool of two worker processes fed through pipes and POSIX semaphores
// (unlinked after creation: shared memory with no name left).
const PYTHON_POOL_SCRIPT = [
  'import hashlib, multiprocessing as mp',
  'def work(n):',
  '    h = n.to_bytes(8, "little")',
  '    for _ in range(1500000):',
  '        h = hashlib.sha256(h).digest()',
  '    return n, h.hex()[:16]',
  'if __name__ == "__main__":',
  '    with mp.Pool(2) as pool:',
  '        for n, h in pool.imap(work, range(16)):',
  '            print("progress", n, h, flush=True)',
  '    print("sum done")',
].join('\n');

// setImmediate between slices: the event loop turns, as in a real server.
const NODE_SCRIPT = `
const h = require('crypto').createHash('sha256');
let i = 0;
function slice() {
  for (let k = 0; k < 20000; k++, i++) h.update(String(i));
  if (i % 400000 === 0) console.log('progress', i);
  if (i < 40000000) setImmediate(slice); else console.log('sum', h.digest('hex'));
}
slice();
`;

const JAVA_SOURCE = `
public class Loop {
  public static void main(String[] a) throws Exception {
    java.security.MessageDigest h = java.security.MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < 100000000; i++) {
      h.update(Integer.toString(i).getBytes());
      if (i % 2000000 == 0) System.out.println("progress " + i);
    }
    StringBuilder sb = new StringBuilder();
    for (byte b : h.digest()) sb.append(String.format("%02x", b));
    System.out.println("sum " + sb);
  }
}
`;

async function interpreterTest(prog: string, args: string[]): Promise<void> {
  const missing = engineMissing();
  if (missing) assert.fail(`the engine is not built: ${missing}`);
  const reference = (await runPlain(prog, args)).split('\n').filter((l) => l !== '');
  await withRun(async (run) => {
    const dir = path.join(run.tempDir(`ckpt-scn-${prog}-`), 'ckpt');
    const launch = run.launch(dir, which(prog), args);
    await launch.waitForLine(/^progress /);
    const id = await run.checkpointKill(dir, launch);
    await launch.waitExit();
    assert.ok(!launch.lines.some((l) => l.startsWith('sum ')), `${prog} finished before the checkpoint:\n${launch.describe()}`);
    const restart = run.restart(dir, id);
    const exit = await restart.waitExit(WAIT_MS * 2);
    assert.equal(exit.code, 0, restart.describe());
    assert.ok(restart.lines.some((l) => l.startsWith('progress ')), `no progress after the restart:\n${restart.describe()}`);
    assert.deepEqual([...launch.lines, ...restart.lines].filter((l) => l !== ''), reference);
  });
}

test('real program: python3 hashing a sequence, checkpointed mid-run, prints what an uninterrupted run prints', { timeout: TEST_MS }, () =>
  interpreterTest('python3', ['-c', PYTHON_SCRIPT]),
);

test('real program: python3 multiprocessing.Pool (worker processes, pipes, semaphores) checkpointed mid-run prints what an uninterrupted run prints', { timeout: TEST_MS }, () =>
  interpreterTest('python3', ['-c', PYTHON_POOL_SCRIPT]),
);

test('real program: node (V8 threads, libuv event loop) checkpointed mid-run prints what an uninterrupted run prints', { timeout: TEST_MS }, () =>
  interpreterTest('node', ['-e', NODE_SCRIPT]),
);

test('real program: java (HotSpot JIT and GC threads) checkpointed mid-run prints what an uninterrupted run prints', { timeout: TEST_MS }, async () => {
  const classes = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-scn-java-'));
  try {
    fs.writeFileSync(path.join(classes, 'Loop.java'), JAVA_SOURCE);
    await runPlain('javac', ['-d', classes, path.join(classes, 'Loop.java')]);
    await interpreterTest('java', ['-cp', classes, 'Loop']);
  } finally {
    fs.rmSync(classes, { recursive: true, force: true });
  }
});
