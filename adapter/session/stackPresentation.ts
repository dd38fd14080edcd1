/**
 * How gdb's threads and frames are shown to the client: thread names (with
 * their process, and its rank in an MPI job, when the program has several),
 * and stack frames with a source where one exists on this machine.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Source, StackFrame, Thread } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Frame, ThreadInfo } from '../gdb/gdbCommands';
import { readMpiRank } from '../engine';

/**
 * `pid`: the thread's process, shown when the program has had several, with
 * its rank when it is a rank of an MPI job.
 */
export function dapThread(t: ThreadInfo, pid: number | undefined, rank?: number): DebugProtocol.Thread {
  const lwp = /LWP (\d+)/.exec(t.targetId)?.[1];
  let name = t.name ? `${t.name} (${lwp ? `LWP ${lwp}` : t.targetId})` : t.targetId || `Thread ${t.id}`;
  if (pid !== undefined) name = `[${rank !== undefined ? `rank ${rank}, ` : ''}process ${pid}] ${name}`;
  return new Thread(t.id, name);
}

/** Every thread, named by `dapThread`; each process's environment is read once for its rank. */
export function dapThreads(threads: ThreadInfo[], pidOf: (thread: number) => number | undefined): DebugProtocol.Thread[] {
  const ranks = new Map<number, number | undefined>();
  return threads.map((t) => {
    const pid = pidOf(t.id);
    if (pid !== undefined && !ranks.has(pid)) ranks.set(pid, readMpiRank(pid));
    return dapThread(t, pid, pid === undefined ? undefined : ranks.get(pid));
  });
}

/** A frame without a source file here is named after its library and shown subtle. */
export function dapFrame(id: number, f: Frame): DebugProtocol.StackFrame {
  const name = f.func ?? f.addr ?? '??';
  const frame = new StackFrame(id, name) as DebugProtocol.StackFrame;
  if (f.fullname && fs.existsSync(f.fullname)) {
    frame.source = new Source(path.basename(f.fullname), f.fullname);
    frame.line = f.line ?? 0;
    frame.column = 1;
  } else {
    frame.name = f.from ? `${name} (${path.basename(f.from)})` : name;
    frame.presentationHint = 'subtle';
  }
  // Every frame: the Disassembly view opens at it.
  if (f.addr) frame.instructionPointerReference = f.addr;
  return frame;
}
