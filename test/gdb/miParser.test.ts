/**
 * The MI line parser on output captured from gdb 13.1 (`gdb --interpreter=mi3`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MiAsyncRecord, MiResultRecord, miTuple, miTuples, parseCString, parseMiLine, quoteMiArg,
} from '../../adapter/gdb/miParser';
import { toBreakpoint } from '../../adapter/gdb/gdbCommands';

test('result record with a token and a breakpoint tuple', () => {
  const line = '6^done,bkpt={number="1",type="breakpoint",disp="keep",enabled="y",addr="0x00000000000011f1",func="child_work",file="/w/forks.c",fullname="/w/forks.c",line="18",thread-groups=["i1"],times="0",original-location="forks.c:18"}';
  const r = parseMiLine(line) as MiResultRecord;
  assert.equal(r.kind, 'result');
  assert.equal(r.token, 6);
  assert.equal(r.resultClass, 'done');
  const bkpt = miTuple(r.results.bkpt)!;
  assert.equal(bkpt.number, '1');
  assert.deepEqual(bkpt['thread-groups'], ['i1']);
  assert.equal(bkpt['original-location'], 'forks.c:18');
  const bp = toBreakpoint(bkpt);
  assert.equal(bp.line, 18);
  assert.equal(bp.func, 'child_work');
  assert.equal(bp.pending, false);
});

test('error record carries gdb message', () => {
  const r = parseMiLine('12^error,msg="The program is not being run."') as MiResultRecord;
  assert.equal(r.resultClass, 'error');
  assert.equal(r.token, 12);
  assert.equal(r.results.msg, 'The program is not being run.');
});

test('result record without results and without token', () => {
  const r = parseMiLine('^running') as MiResultRecord;
  assert.equal(r.kind, 'result');
  assert.equal(r.token, undefined);
  assert.equal(r.resultClass, 'running');
  assert.deepEqual(r.results, {});
});

test('exec async record: *stopped at a breakpoint with nested frame and args list', () => {
  const line = '*stopped,reason="breakpoint-hit",disp="keep",bkptno="1",locno="2",frame={addr="0x00005555555551f1",func="child_work",args=[{name="n",value="21"}],file="/w/forks.c",fullname="/w/forks.c",line="18",arch="i386:x86-64"},thread-id="2",stopped-threads="all",core="0"';
  const r = parseMiLine(line) as MiAsyncRecord;
  assert.equal(r.kind, 'exec');
  assert.equal(r.asyncClass, 'stopped');
  assert.equal(r.results.reason, 'breakpoint-hit');
  assert.equal(r.results['thread-id'], '2');
  const frame = miTuple(r.results.frame)!;
  assert.deepEqual(miTuples(frame.args), [{ name: 'n', value: '21' }]);
});

test('notify records: thread group and thread creation', () => {
  const a = parseMiLine('=thread-group-started,id="i2",pid="8217"') as MiAsyncRecord;
  assert.equal(a.kind, 'notify');
  assert.equal(a.asyncClass, 'thread-group-started');
  assert.deepEqual(a.results, { id: 'i2', pid: '8217' });
  const b = parseMiLine('=thread-created,id="3",group-id="i2"') as MiAsyncRecord;
  assert.deepEqual(b.results, { id: '3', 'group-id': 'i2' });
});

test('a breakpoint with several locations (one per inferior)', () => {
  const line = '=breakpoint-modified,bkpt={number="1",type="breakpoint",disp="keep",enabled="y",addr="<MULTIPLE>",times="1",original-location="forks.c:18",locations=[{number="1.1",enabled="y",addr="0x00005555555551f1",func="child_work",file="/w/forks.c",fullname="/w/forks.c",line="18",thread-groups=["i1"]},{number="1.2",enabled="y",addr="0x00005555555551f1",func="child_work",file="/w/forks.c",fullname="/w/forks.c",line="18",thread-groups=["i2"]}]}';
  const r = parseMiLine(line) as MiAsyncRecord;
  const bp = toBreakpoint(miTuple(r.results.bkpt)!);
  assert.equal(bp.number, 1);
  assert.equal(bp.hits, 1);
  assert.equal(bp.locations.length, 2);
  assert.equal(bp.line, 18, 'line comes from the first location');
  assert.equal(bp.fullname, '/w/forks.c');
});

test('pending breakpoint', () => {
  const r = parseMiLine('3^done,bkpt={number="2",type="breakpoint",disp="keep",enabled="y",addr="<PENDING>",pending="nosuch.c:4",times="0",original-location="nosuch.c:4"}') as MiResultRecord;
  const bp = toBreakpoint(miTuple(r.results.bkpt)!);
  assert.equal(bp.pending, true);
  assert.equal(bp.line, undefined);
});

test('list of named results keeps the values: -stack-list-frames', () => {
  const r = parseMiLine('5^done,stack=[frame={level="0",addr="0x0000555555555175",func="square",file="basic.c",fullname="/w/basic.c",line="12",arch="i386:x86-64"},frame={level="1",addr="0x00005555555551a0",func="sum_squares",file="basic.c",fullname="/w/basic.c",line="19",arch="i386:x86-64"}]') as MiResultRecord;
  const frames = miTuples(r.results.stack);
  assert.equal(frames.length, 2);
  assert.equal(frames[0].func, 'square');
  assert.equal(frames[1].level, '1');
});

test('empty tuple and empty list', () => {
  const r = parseMiLine('7^done,a={},b=[]') as MiResultRecord;
  assert.deepEqual(r.results, { a: {}, b: [] });
});

test('stream records: console text with escapes, target and log', () => {
  const c = parseMiLine('~"Using host libthread_db library \\"/lib/x86_64-linux-gnu/libthread_db.so.1\\".\\n"');
  assert.deepEqual(c, { kind: 'console', text: 'Using host libthread_db library "/lib/x86_64-linux-gnu/libthread_db.so.1".\n' });
  const s = parseMiLine('~"18\\t  int doubled = n * 2; // #CHILD\\n"');
  assert.deepEqual(s, { kind: 'console', text: '18\t  int doubled = n * 2; // #CHILD\n' });
  assert.deepEqual(parseMiLine('@"hello\\n"'), { kind: 'target', text: 'hello\n' });
  assert.deepEqual(parseMiLine('&"warning: Error disabling address space randomization\\n"'),
    { kind: 'log', text: 'warning: Error disabling address space randomization\n' });
});

test('octal escapes decode as UTF-8 bytes', () => {
  // gdb prints non-ASCII bytes of a char array as octal escapes.
  assert.equal(parseCString('"caf\\303\\251 \\033[0m"'), 'café \u001b[0m');
  assert.equal(parseCString('"a\\\\b"'), 'a\\b');
});

test('value strings containing MI punctuation', () => {
  const r = parseMiLine('9^done,value="{x = 3, y = 4, name = 0x555555556004 \\"origin\\"}"') as MiResultRecord;
  assert.equal(r.results.value, '{x = 3, y = 4, name = 0x555555556004 "origin"}');
});

test('prompt and non-MI lines', () => {
  assert.deepEqual(parseMiLine('(gdb) '), { kind: 'prompt' });
  assert.deepEqual(parseMiLine('(gdb)'), { kind: 'prompt' });
  assert.deepEqual(parseMiLine('forks: child result 42'), { kind: 'other', line: 'forks: child result 42' });
  // Looks like MI at first but is not: a program printing "=x" or "^oops".
  assert.deepEqual(parseMiLine('=x,y'), { kind: 'other', line: '=x,y' });
  assert.deepEqual(parseMiLine('^bogus'), { kind: 'other', line: '^bogus' });
});

test('carriage return at line end is ignored', () => {
  const r = parseMiLine('1^done\r') as MiResultRecord;
  assert.equal(r.resultClass, 'done');
});

test('quoteMiArg escapes quotes and backslashes', () => {
  assert.equal(quoteMiArg('a "b" \\c'), '"a \\"b\\" \\\\c"');
  assert.equal(parseCString(quoteMiArg('x\ny "z"')), 'x\ny "z"');
});

test('thread-info result with nested frames', () => {
  const line = '9^done,threads=[{id="1",target-id="Thread 0x7ffff7dd1740 (LWP 8214)",name="forks",frame={level="0",addr="0x00007ffff7ea7bd3",func="__GI___wait4",args=[{name="pid",value="8217"}],file="../sysdeps/unix/sysv/linux/wait4.c",fullname="./posix/../sysdeps/unix/sysv/linux/wait4.c",line="30",arch="i386:x86-64"},state="stopped",core="0"},{id="2",target-id="Thread 0x7ffff7dd1740 (LWP 8217)",name="forks",state="stopped",core="0"}],current-thread-id="2"';
  const r = parseMiLine(line) as MiResultRecord;
  const threads = miTuples(r.results.threads);
  assert.equal(threads.length, 2);
  assert.equal(threads[0]['target-id'], 'Thread 0x7ffff7dd1740 (LWP 8214)');
  assert.equal(r.results['current-thread-id'], '2');
});
