/**
 * Going back as a client sees it: a loop program stopped at a breakpoint 80
 * hits after its one snapshot (the only landmark), then the wall time of
 * Reverse Continue, Step Back and Find Last Change of a global that last
 * changed in the second round (the whole stretch watched, then re-executed to
 * the change): request sent → `stopped` event. And Step Back in a program of
 * 1 GiB of touched memory (the restore dominates). These run with the
 * adapter's own landmarks off, so that one landmark stands 80 hits back. And
 * the pause a landmark of the adapter's own adds to the stop it is taken at:
 * Continue → `stopped` at stops with one and at stops without, in the small
 * program and in the 1 GiB one. Real adapter, gdb and engine; medians of a
 * few repetitions. CKPT_BENCH_ONLY=travel runs it alone.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Requests, TravelRequests } from '../../adapter/protocol';
import type { ListSnapshotsResult } from '../../adapter/protocol';
import { TestClient } from '../fixtures/dapHarness';
import type { Stop } from '../fixtures/dapHarness';
import { figure } from './stats';

const HITS_BACK = 80;
const BIG_MIB = 1024;
const REPS = Math.max(1, Number(process.env.CKPT_BENCH_TRAVEL_REPS ?? 3));
export const TRAVEL_TARGETS = { reverseContinueMs: 1000, stepBackMs: 1000, findLastChangeMs: 5000, stepBackBigMs: 1000, landmarkStopMs: 300 };
/** Landmarks this many stops apart in the pause figures (the default is 20: the same pause, fewer samples). */
const LANDMARK_EVERY = 5;
const LANDMARK_CONTINUES = 15;

/** `bench_hit` is the breakpoint; argv[1] MiB of memory touched first. */
const PROGRAM = `
#include <stdio.h>
#include <stdlib.h>
int value, limit = 200;
__attribute__((noinline)) void bench_hit(int round) { __asm__ volatile("" ::: "memory"); (void)round; }
int main(int argc, char **argv) {
  size_t bytes = (size_t)(argc > 1 ? strtoul(argv[1], 0, 10) : 0) << 20;
  unsigned char *big = bytes ? malloc(bytes) : 0;
  for (size_t off = 0; off < bytes; off += 4096) big[off] = (unsigned char)((off >> 12) | 1);
  for (int round = 1; round <= 1000000; round++) {
    if (round == 2) limit = -546;
    value = value * 31 + round;
    bench_hit(round);
  }
  printf("%d %d %d\\n", value, limit, big ? big[0] : 0);
  return 0;
}
`;

async function timedStop(dc: TestClient, request: () => Promise<unknown>): Promise<{ ms: number; stop: Stop }> {
  const next = dc.nextStop();
  const t0 = process.hrtime.bigint();
  await request();
  const stop = await next;
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, stop };
}

async function roundOf(dc: TestClient, stop: Stop): Promise<number> {
  const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
  return Number((await dc.evaluateRequest({ expression: 'round', frameId: frames[0].id })).body.result);
}

/** A session stopped in bench_hit of round HITS_BACK + 1, with one snapshot at round 1. */
async function atLastHit(dc: TestClient, bin: string, dir: string, mib: number, hits = HITS_BACK): Promise<Stop> {
  let stop = await dc.launchAndStop({ program: bin, args: [String(mib)], snapshotDir: dir, autoSnapshot: false }, [], ['bench_hit']);
  await dc.customRequest(Requests.saveSnapshot, { label: 'landmark' });
  for (let i = 0; i < hits; i++) stop = (await timedStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }))).stop;
  return stop;
}

async function check(dc: TestClient, stop: Stop, round: number, what: string): Promise<void> {
  const at = await roundOf(dc, stop);
  if (at !== round) throw new Error(`${what} arrived at round ${at}, not ${round}`);
}

/**
 * Continue → `stopped` with the adapter's landmarks every LANDMARK_EVERY stops:
 * the stops that took one, and the others.
 */
async function landmarkPauses(bin: string, dir: string, mib: number, log: (msg: string) => void): Promise<Record<string, unknown>> {
  const dc = new TestClient();
  const withLandmark: number[] = [];
  const without: number[] = [];
  try {
    await dc.start();
    const config = { program: bin, args: [String(mib)], snapshotDir: dir, autoSnapshot: { landmarkEvery: LANDMARK_EVERY } };
    let stop = await dc.launchAndStop(config, [], ['bench_hit']);
    for (let i = 1; i <= LANDMARK_CONTINUES; i++) {
      execFileSync('sync');
      const r = await timedStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
      (i % LANDMARK_EVERY === 0 ? withLandmark : without).push(r.ms);
      stop = r.stop;
    }
    const list = (await dc.customRequest(Requests.listSnapshots, {})).body as ListSnapshotsResult;
    const taken = list.snapshots.filter((s) => s.label === 'auto: landmark').length;
    const expected = 1 + Math.floor(LANDMARK_CONTINUES / LANDMARK_EVERY);
    if (taken !== expected) throw new Error(`${taken} landmarks were taken, not ${expected}`);
    log(`travel: ${mib} MiB, Continue to a stop with a landmark ${withLandmark.map((x) => x.toFixed(0)).join(', ')} ms, without ${without.map((x) => x.toFixed(0)).join(', ')} ms`);
  } finally {
    await dc.stop();
  }
  return { memoryMiB: mib, landmarkEvery: LANDMARK_EVERY, withLandmark: figure(withLandmark, TRAVEL_TARGETS.landmarkStopMs), withoutLandmark: figure(without, TRAVEL_TARGETS.landmarkStopMs) };
}

export async function travelBench(log: (msg: string) => void = () => undefined): Promise<Record<string, unknown>> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-bench-travel-'));
  try {
    const src = path.join(work, 'travelbench.c');
    const bin = path.join(work, 'travelbench');
    fs.writeFileSync(src, PROGRAM);
    execFileSync('gcc', ['-g', '-O0', '-o', bin, src], { stdio: 'pipe' });
    const reverse: number[] = [];
    const back: number[] = [];
    const find: number[] = [];
    const dc = new TestClient();
    try {
      await dc.start();
      let stop = await atLastHit(dc, bin, path.join(work, 'small'), 0);
      const last = HITS_BACK + 1;
      await check(dc, stop, last, 'the setup');
      for (let i = 0; i < REPS; i++) {
        let r = await timedStop(dc, () => dc.reverseContinueRequest({ threadId: stop.body.threadId }));
        reverse.push(r.ms);
        await check(dc, r.stop, last - 1, 'Reverse Continue');
        stop = (await timedStop(dc, () => dc.continueRequest({ threadId: r.stop.body.threadId }))).stop;
        r = await timedStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
        back.push(r.ms);
        await check(dc, r.stop, last - 1, 'Step Back');
        stop = (await timedStop(dc, () => dc.continueRequest({ threadId: r.stop.body.threadId }))).stop;
        log(`travel #${i + 1}: Reverse Continue ${reverse[i].toFixed(0)} ms, Step Back ${back[i].toFixed(0)} ms`);
      }
      for (let i = 0; i < REPS; i++) {
        // Each search goes to round 2 and drops the later stops: walk back to the last hit for the next one.
        if (i > 0) {
          // The change is in round 2 before its hit: Continue to that hit first.
          do stop = (await timedStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }))).stop;
          while (await roundOf(dc, stop) < last);
          await check(dc, stop, last, 'the walk forward');
        }
        const r = await timedStop(dc, () => dc.customRequest(TravelRequests.findLastChange, { expression: 'limit' }));
        find.push(r.ms);
        if (r.stop.body.description !== 'limit: 200 → -546') throw new Error(`Find Last Change stopped for '${r.stop.body.description}'`);
        await check(dc, r.stop, 2, 'Find Last Change');
        stop = r.stop;
        log(`travel #${i + 1}: Find Last Change over ${HITS_BACK} rounds ${find[i].toFixed(0)} ms`);
      }
    } finally {
      await dc.stop();
    }
    const big: number[] = [];
    const dcBig = new TestClient();
    try {
      await dcBig.start();
      let stop = await atLastHit(dcBig, bin, path.join(work, 'big'), BIG_MIB, 2);
      for (let i = 0; i < REPS; i++) {
        execFileSync('sync');
        const r = await timedStop(dcBig, () => dcBig.stepBackRequest({ threadId: stop.body.threadId }));
        big.push(r.ms);
        await check(dcBig, r.stop, 2, 'Step Back in 1 GiB');
        stop = (await timedStop(dcBig, () => dcBig.continueRequest({ threadId: r.stop.body.threadId }))).stop;
        log(`travel #${i + 1}: Step Back in ${BIG_MIB} MiB ${big[i].toFixed(0)} ms`);
      }
    } finally {
      await dcBig.stop();
    }
    const landmarkSmall = await landmarkPauses(bin, path.join(work, 'landmarks-small'), 0, log);
    const landmarkBig = await landmarkPauses(bin, path.join(work, 'landmarks-big'), BIG_MIB, log);
    return {
      hitsBack: HITS_BACK,
      repetitions: REPS,
      note: 'wall time at the client, request sent → stopped event; one snapshot 80 breakpoint hits back; Find Last Change of a global last changed in round 2',
      reverseContinue: figure(reverse, TRAVEL_TARGETS.reverseContinueMs),
      stepBack: figure(back, TRAVEL_TARGETS.stepBackMs),
      findLastChange: figure(find, TRAVEL_TARGETS.findLastChangeMs),
      stepBackBig: { memoryMiB: BIG_MIB, ...figure(big, TRAVEL_TARGETS.stepBackBigMs) },
      landmarkPause: { note: 'Continue → stopped at stops where the adapter takes a landmark, and at the others', small: landmarkSmall, big: landmarkBig },
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  travelBench((m) => process.stderr.write(`bench: ${m}\n`)).then((r) => {
    process.stdout.write(JSON.stringify({ travel: r }, null, 2) + '\n');
  }).catch((err) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
