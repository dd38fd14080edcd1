/**
 * The debug adapter's snapshot costs as a client sees them: at a breakpoint in
 * a program that allocated and touched 16 MiB, the wall time of
 * `ckpt/saveSnapshot` (request sent → response) and of `ckpt/restoreSnapshot`
 * (request sent → the `stopped` event and a successful stackTrace). Real
 * adapter, real gdb, real engine; medians of a few repetitions.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Requests } from '../../adapter/protocol';
import type { SaveSnapshotResult } from '../../adapter/protocol';
import { TestClient } from '../fixtures/dapHarness';
import { figure } from './stats';

const MIB = 16;
const REPS = Math.max(3, Number(process.env.CKPT_BENCH_DAP_REPS ?? 5));
export const DAP_TARGETS = { saveMs: 100, restoreMs: 300 };

/** Touches every page of MIB MiB with non-zero data, then stops in bench_stop (the breakpoint). */
const PROGRAM = `
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
__attribute__((noinline)) void bench_stop(unsigned char *p, size_t bytes) {
  printf("dapbench: %u\\n", p[bytes / 2]);
  fflush(stdout);
}
int main(void) {
  size_t bytes = (size_t)${MIB} << 20;
  unsigned char *p = malloc(bytes);
  if (!p) return 1;
  for (size_t off = 0; off < bytes; off += 4096) memset(p + off, (int)((off >> 12) & 0xff) | 1, 4096);
  bench_stop(p, bytes);
  return 0;
}
`;

export async function dapBench(log: (msg: string) => void = () => undefined): Promise<Record<string, unknown>> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-bench-dap-'));
  const dc = new TestClient();
  try {
    const src = path.join(work, 'dapbench.c');
    const bin = path.join(work, 'dapbench');
    fs.writeFileSync(src, PROGRAM);
    execFileSync('gcc', ['-g', '-O0', '-o', bin, src], { stdio: 'pipe' });
    await dc.start();
    const stop = await dc.launchAndStop({ program: bin, snapshotDir: path.join(work, 'ckpt') }, [], ['bench_stop']);
    const frame = await dc.topFrame(stop.body.threadId);
    if (frame.name !== 'bench_stop') throw new Error(`the program stopped in ${frame.name}, not at the breakpoint`);

    const save: number[] = [];
    const restore: number[] = [];
    for (let i = 0; i < REPS; i++) {
      // Writeback of earlier images stays out of the samples.
      execFileSync('sync');
      let t0 = process.hrtime.bigint();
      const saved = (await dc.customRequest(Requests.saveSnapshot, { label: `bench ${i}` })).body as SaveSnapshotResult;
      save.push(Number(process.hrtime.bigint() - t0) / 1e6);

      execFileSync('sync');
      const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
      t0 = process.hrtime.bigint();
      await dc.customRequest(Requests.restoreSnapshot, { id: saved.snapshot.id });
      const back = await stopped;
      const frames = (await dc.stackTraceRequest({ threadId: back.body.threadId ?? 1, startFrame: 0, levels: 20 })).body.stackFrames;
      restore.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (back.body.reason !== 'restore' || frames[0]?.name !== 'bench_stop') {
        throw new Error(`restore ${i} stopped in ${frames[0]?.name} (${back.body.reason}), not at the breakpoint`);
      }
      log(`dap ${MIB} MiB #${i + 1}: save ${save[i].toFixed(1)} ms, restore ${restore[i].toFixed(1)} ms`);
    }
    return {
      memoryMiB: MIB,
      repetitions: REPS,
      note: 'wall time at the client: save = ckpt/saveSnapshot sent → response; restore = ckpt/restoreSnapshot sent → stopped event and stackTrace answered',
      save: figure(save, DAP_TARGETS.saveMs),
      restore: figure(restore, DAP_TARGETS.restoreMs),
    };
  } finally {
    await dc.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  dapBench((m) => process.stderr.write(`bench: ${m}\n`)).then((r) => {
    process.stdout.write(JSON.stringify({ dap: r }, null, 2) + '\n');
  }).catch((err) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
