/**
 * From gdb's `*stopped` records (as gdb 13.1 prints them) to DAP's stop
 * reasons and exit codes, without gdb.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MiAsyncRecord, MiTuple, parseMiLine } from '../../adapter/gdb/miParser';
import { StopContext, dapStopOf, exitCodeOf, hitBreakpointOf, isEntryStop, isExitReason } from '../../adapter/session/stopReasons';

function stopped(line: string): MiTuple {
  const r = parseMiLine(line) as MiAsyncRecord;
  assert.equal(r.asyncClass, 'stopped');
  return r.results;
}

const FRAME = 'frame={addr="0x0000555555555189",func="main",args=[],file="basic.c",fullname="/w/basic.c",line="12",arch="i386:x86-64"}';
const BREAKPOINT_2 = stopped(`*stopped,reason="breakpoint-hit",disp="keep",bkptno="2",${FRAME},thread-id="1",stopped-threads="all",core="0"`);
const ENTRY = stopped(`*stopped,reason="breakpoint-hit",disp="del",bkptno="1",${FRAME},thread-id="1",stopped-threads="all",core="1"`);
const WATCH_5 = stopped(`*stopped,reason="watchpoint-trigger",wpt={number="5",exp="*(int *) 0x7fffffffe0dc"},value={old="0",new="1"},${FRAME},thread-id="1",stopped-threads="all",core="0"`);
const READ_6 = stopped(`*stopped,reason="read-watchpoint-trigger",hw-rwpt={number="6",exp="*(int *) 0x7fffffffe0dc"},value={value="1"},${FRAME},thread-id="1",stopped-threads="all",core="0"`);
const SIGINT = stopped(`*stopped,reason="signal-received",signal-name="SIGINT",signal-meaning="Interrupt",${FRAME},thread-id="1",stopped-threads="all",core="0"`);
const SIGSEGV = stopped(`*stopped,reason="signal-received",signal-name="SIGSEGV",signal-meaning="Segmentation fault",${FRAME},thread-id="1",stopped-threads="all",core="0"`);
const STEP = stopped(`*stopped,reason="end-stepping-range",${FRAME},thread-id="1",stopped-threads="all",core="0"`);
const FINISH = stopped(`*stopped,reason="function-finished",${FRAME},thread-id="1",stopped-threads="all",core="0",gdb-result-var="$1",return-value="3"`);
const NO_REASON = stopped(`*stopped,${FRAME},thread-id="1",stopped-threads="all",core="0"`);

function ctx(over: Partial<StopContext> = {}): StopContext {
  return {
    isInstructionBreakpoint: () => false,
    describeWatchpoint: () => undefined,
    ...over,
  };
}

test('a breakpoint hit names the breakpoint; an instruction breakpoint says so', () => {
  assert.deepEqual(dapStopOf(BREAKPOINT_2, ctx()), { reason: 'breakpoint', hitBreakpointIds: [2] });
  assert.deepEqual(dapStopOf(BREAKPOINT_2, ctx({ isInstructionBreakpoint: (id) => id === 2 })), { reason: 'instruction breakpoint', hitBreakpointIds: [2] });
  assert.equal(hitBreakpointOf(BREAKPOINT_2, undefined), 2);
});

test('the entry stop is the self-deleting breakpoint while one is expected, and hits no breakpoint of the client', () => {
  assert.equal(isEntryStop(ENTRY, 'entry'), true);
  assert.deepEqual(dapStopOf(ENTRY, ctx({ expected: 'entry' })), { reason: 'entry' });
  assert.equal(hitBreakpointOf(ENTRY, 'entry'), undefined);
  // A Pause asked for on the way there does not change what the stop is.
  assert.deepEqual(dapStopOf(ENTRY, ctx({ expected: 'pause' })), { reason: 'entry' });
  // Without an entry pending it is an ordinary breakpoint.
  assert.equal(isEntryStop(ENTRY, undefined), false);
  assert.deepEqual(dapStopOf(ENTRY, ctx()), { reason: 'breakpoint', hitBreakpointIds: [1] });
  assert.equal(isEntryStop(BREAKPOINT_2, 'entry'), false);
});

test('a watchpoint trigger is a data breakpoint described by its table', () => {
  const described = dapStopOf(WATCH_5, ctx({ describeWatchpoint: (id, r) => (id === 5 ? `counter: ${(r.value as MiTuple).old} → ${(r.value as MiTuple).new}` : undefined) }));
  assert.deepEqual(described, { reason: 'data breakpoint', hitBreakpointIds: [5], description: 'counter: 0 → 1' });
  assert.deepEqual(dapStopOf(READ_6, ctx()), { reason: 'data breakpoint', hitBreakpointIds: [6] });
  assert.equal(hitBreakpointOf(READ_6, undefined), 6);
});

test('a signal is a pause only when a Pause was asked for and it is an interrupt', () => {
  assert.deepEqual(dapStopOf(SIGINT, ctx({ expected: 'pause' })), { reason: 'pause' });
  assert.deepEqual(dapStopOf(SIGINT, ctx()), { reason: 'exception', description: 'Program received signal SIGINT, Interrupt' });
  assert.deepEqual(dapStopOf(SIGSEGV, ctx({ expected: 'pause' })), { reason: 'exception', description: 'Program received signal SIGSEGV, Segmentation fault' });
});

test('steps, finishes and the end of a recovered step are steps', () => {
  assert.deepEqual(dapStopOf(STEP, ctx()), { reason: 'step' });
  assert.deepEqual(dapStopOf(FINISH, ctx()), { reason: 'step' });
  // A skipped hit where the step would have ended anyway: the step's end, not a breakpoint.
  assert.deepEqual(dapStopOf(BREAKPOINT_2, ctx({ endOfStep: true })), { reason: 'step' });
});

test('a stop without a reason is what was asked for, else a pause', () => {
  assert.deepEqual(dapStopOf(NO_REASON, ctx()), { reason: 'pause' });
  assert.deepEqual(dapStopOf(NO_REASON, ctx({ expected: 'entry' })), { reason: 'entry' });
  assert.deepEqual(dapStopOf(NO_REASON, ctx({ expected: 'pause' })), { reason: 'pause' });
});

test('exit codes: the first process\'s own, else the record\'s octal, else 128 + the signal', () => {
  const exited = stopped('*stopped,reason="exited",exit-code="012"');
  const normally = stopped('*stopped,reason="exited-normally"');
  const killed = stopped('*stopped,reason="exited-signalled",signal-name="SIGKILL",signal-meaning="Killed"');
  assert.ok([exited, normally, killed].every((r) => isExitReason(r.reason as string)));
  assert.equal(isExitReason('breakpoint-hit'), false);
  assert.equal(exitCodeOf(exited, undefined), 10);
  assert.equal(exitCodeOf(exited, 3), 3);
  assert.equal(exitCodeOf(normally, undefined), 0);
  assert.equal(exitCodeOf(killed, undefined), 137);
});
