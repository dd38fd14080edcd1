/**
 * A replay through stops of two processes at one breakpoint (replayer.ts,
 * replayArrivals.ts): gdb reports simultaneous hits in either order, and the
 * replay must arrive at the recorded stop all the same; a process that ran
 * past a stop it made the first time is a divergence that names it. gdb is
 * scripted; the threads are real processes held stopped (SIGSTOP), whose
 * context switches tell whether one ran since its hit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MiCommandResult, MiConnection } from '../../adapter/gdb/gdbProcess';
import { parseMiLine } from '../../adapter/gdb/miParser';
import type { MiAsyncRecord, MiResultRecord } from '../../adapter/gdb/miParser';
import { Replayer } from '../../adapter/session/replayer';
import type { ReplayedHit } from '../../adapter/session/replayer';
import type { Place, Position } from '../../adapter/session/stopTimeline';
import { runAMoment, stoppedProcess } from '../fixtures/heldProcesses';

const BREAKPOINT = '0x0000555555555149';

/** One Continue's stop: the thread (gdb's 1 or 2) that hit the breakpoint, and what ran meanwhile. */
interface ScriptedStop { thread: number; ran?: number[] }

/** gdb with thread 1 in process `pids[0]` and thread 2 in `pids[1]`, both at the breakpoint; each Continue stops as scripted. */
function scriptedGdb(pids: number[], stops: ScriptedStop[]): { gdb: MiConnection; nextStop: () => Promise<MiAsyncRecord>; continues: () => number; resumes: string[] } {
  const answer = (line: string): MiCommandResult => ({ record: parseMiLine(line) as MiResultRecord, console: '' });
  const frame = `{level="0",addr="${BREAKPOINT}",func="hit",file="twins.c",fullname="/src/twins.c",line="13"}`;
  let continued = 0;
  let pending: ScriptedStop | undefined;
  const resumes: string[] = [];
  const gdb: MiConnection = {
    send: async (command: string) => {
      if (command === '-thread-info') {
        return answer(`^done,threads=[{id="1",target-id="process ${pids[0]}",frame=${frame},state="stopped"},`
          + `{id="2",target-id="process ${pids[1]}",frame=${frame},state="stopped"}],current-thread-id="1"`);
      }
      if (command === '-break-list') {
        return answer(`^done,BreakpointTable={nr_rows="1",nr_cols="6",body=[bkpt={number="1",type="breakpoint",enabled="y",addr="<MULTIPLE>",times="2",`
          + `locations=[{number="1.1",enabled="y",addr="${BREAKPOINT}",thread-groups=["i1"]},{number="1.2",enabled="y",addr="${BREAKPOINT}",thread-groups=["i2"]}]}]}`);
      }
      if (command.startsWith('-stack-info-depth')) return answer('^done,depth="3"');
      if (command.startsWith('-stack-list-frames')) return answer(`^done,stack=[frame=${frame}]`);
      if (command.startsWith('-gdb-set schedule-multiple')) {
        resumes.push(command);
        return answer('^done');
      }
      if (command.startsWith('-exec-continue')) {
        resumes.push(command);
        pending = stops[continued++];
        if (!pending) throw new Error('continued past the script');
        for (const pid of pending.ran ?? []) await runAMoment(pid);
        return answer('^running');
      }
      throw new Error(`unexpected command ${command}`);
    },
  };
  const nextStop = async (): Promise<MiAsyncRecord> => parseMiLine(
    `*stopped,reason="breakpoint-hit",disp="keep",bkptno="1",frame={addr="${BREAKPOINT}",func="hit"},thread-id="${pending!.thread}",stopped-threads="all"`,
  ) as MiAsyncRecord;
  return { gdb, nextStop, continues: () => continued, resumes };
}

function at(ordinal: number): Place {
  return { threadOrdinal: ordinal, pc: BREAKPOINT, depth: 3, func: 'hit', file: '/src/twins.c', line: 13 };
}

/** The timeline's stops 1 and 2 after a landmark at stop 0: thread #1's hit, then thread #2's, each reached by a Continue. */
function route(): { index: number; position: Position }[] {
  return [1, 2].map((index) => ({
    index,
    position: { via: { kind: 'continue', threadOrdinal: index - 1 }, arrival: 1, place: at(index - 1), reason: 'breakpoint' },
  }));
}

test('simultaneous hits reported in the other order on replay: the replay still arrives at the recorded stop, without running past it', async () => {
  const pids = [await stoppedProcess(), await stoppedProcess()];
  for (const order of [[1, 2], [2, 1]]) {
    // The second hit reported by gdb was kept pending: it comes at the next Continue, with nothing run.
    const fake = scriptedGdb(pids, [{ thread: order[0] }, { thread: order[1] }, { thread: 2 }]);
    const hits: ReplayedHit[] = [];
    const outcome = await new Replayer(fake.gdb, fake.nextStop).replay(route(), 0, (hit) => hits.push(hit));
    assert.equal(outcome.divergence, undefined, `order ${order}`);
    assert.equal(outcome.reached, 2);
    assert.equal(outcome.place?.threadOrdinal, 1, 'thread #2 stands at stop 2');
    assert.equal(fake.continues(), 2, `order ${order}: no Continue past thread #2's hit, already reported`);
    assert.deepEqual(hits.map((h) => [h.toward, h.place.threadOrdinal, h.isArrival]), [[1, 0, true], [2, 1, true]],
      'each hit told as the arrival of its own stop');
    // Thread #2's process, at a hit that is stop 2, is kept stopped while thread #1's goes to stop 1.
    assert.deepEqual(fake.resumes, order[0] === 1 ? ['-exec-continue', '-exec-continue']
      : ['-exec-continue', '-gdb-set schedule-multiple off', '-exec-continue --thread 1', '-gdb-set schedule-multiple on'], `order ${order}`);
  }
});

test('a process that ran past the hit it made first on replay: a divergence naming the thread and its counts', async () => {
  const pids = [await stoppedProcess(), await stoppedProcess()];
  // Thread #2 hit first, then its process ran on all the same while thread #1 went to its hit; it then hits again, a round on.
  const fake = scriptedGdb(pids, [{ thread: 2 }, { thread: 1, ran: [pids[1]] }, { thread: 2, ran: [pids[0], pids[1]] }]);
  const outcome = await new Replayer(fake.gdb, fake.nextStop).replay(route(), 0);
  assert.equal(outcome.reached, 1, 'stop 1 was reached as recorded');
  assert.equal(outcome.place?.threadOrdinal, 1, 'it stops where the re-execution arrived');
  assert.match(outcome.divergence ?? '', /thread #2 stopped at hit \(twins\.c:13, pc 0x0*555555555149, 3 frames\) 2 times since the snapshot, where the timeline has once/);
});
