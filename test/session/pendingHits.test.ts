/**
 * Which threads may have a breakpoint hit that gdb keeps (pendingHits.ts):
 * a thread of another process at a breakpoint's address, unless it has not
 * run since it was known to have nothing pending. gdb is scripted; the
 * threads are real processes held stopped (SIGSTOP), whose context switches
 * the kernel counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MiCommandResult, MiConnection } from '../../adapter/gdb/gdbProcess';
import { MiResultRecord, parseMiLine } from '../../adapter/gdb/miParser';
import { PendingHits } from '../../adapter/session/pendingHits';
import { runAMoment, stoppedProcess } from '../fixtures/heldProcesses';

const BREAKPOINT = '0x0000555555555149';
const ELSEWHERE = '0x00007ffff7e9a1d4';

/** gdb with threads 1 (process `reported`, at the breakpoint) and 2 (process `other`, at `otherPc`). */
function scriptedGdb(reported: number, other: number, otherPc: () => string): MiConnection {
  const answer = (line: string): MiCommandResult => ({ record: parseMiLine(line) as MiResultRecord, console: '' });
  return {
    send: async (command: string) => {
      if (command === '-thread-info') {
        return answer(`^done,threads=[{id="1",target-id="process ${reported}",frame={level="0",addr="${BREAKPOINT}",func="hit"},state="stopped"},`
          + `{id="2",target-id="process ${other}",frame={level="0",addr="${otherPc()}",func="hit"},state="stopped"}],current-thread-id="1"`);
      }
      if (command === '-break-list') {
        return answer(`^done,BreakpointTable={nr_rows="1",nr_cols="6",body=[bkpt={number="1",type="breakpoint",enabled="y",addr="<MULTIPLE>",times="2",`
          + `locations=[{number="1.1",enabled="y",addr="${BREAKPOINT}",thread-groups=["i1"]},{number="1.2",enabled="y",addr="${BREAKPOINT}",thread-groups=["i2"]}]}]}`);
      }
      throw new Error(`unexpected command ${command}`);
    },
  };
}

test('a thread of another process at a breakpoint keeps a hit, unless it has not run since it was known to keep none', async () => {
  const reported = await stoppedProcess();
  const other = await stoppedProcess();
  let otherPc = BREAKPOINT;
  const gdb = scriptedGdb(reported, other, () => otherPc);
  const processOf = (thread: number): number => (thread === 1 ? reported : other);
  const hits = new PendingHits();

  assert.equal(await hits.keptAt(gdb, 1, processOf), true, 'never seen to keep nothing: it may keep its hit');
  // Reported in its turn: it stands there with nothing kept, as long as it does not run.
  assert.equal(await hits.keptAt(gdb, 2, () => 0), false, 'the thread reported is never counted');
  assert.equal(await hits.keptAt(gdb, 1, processOf), false, 'reported before and not run since');
  assert.equal(await hits.keptAt(gdb, 1, processOf), false, 'still not run');
  await runAMoment(other);
  assert.equal(await hits.keptAt(gdb, 1, processOf), true, 'ran since, and stands at the breakpoint again');

  await hits.settleAll(gdb);
  assert.equal(await hits.keptAt(gdb, 1, processOf), false, 'after a snapshot: nothing kept');
  await runAMoment(other);
  otherPc = ELSEWHERE;
  assert.equal(await hits.keptAt(gdb, 1, processOf), false, 'elsewhere than at a breakpoint');
  otherPc = BREAKPOINT;
  assert.equal(await hits.keptAt(gdb, 1, () => 7), false, 'a thread of the process reported: its hits are not taken from it');
});
