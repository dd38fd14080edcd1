/**
 * The settings every gdb of a debug session runs with, before any program.
 */
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';

export async function applySessionSettings(gdb: MiConnection, engineSignal: number): Promise<void> {
  // Async MI lets us interrupt a running program; the fork settings keep every
  // process of the program under gdb, and the checkpoint signal passes silently.
  for (const setting of [
    'mi-async on', 'pagination off', 'confirm off', 'width 0', 'height 0', 'breakpoint pending on',
    'detach-on-fork off', 'follow-fork-mode parent', 'schedule-multiple on', 'print pretty off',
    // A restored process runs as the restorer's executable: keep the program's symbols.
    'exec-file-mismatch off',
    // gdb caches stack and code memory per address space and forgets it only for
    // the inferior it resumes from: a child's locals read at one stop (through
    // --thread) would be shown unchanged at the next. Reads here are cheap.
    'stack-cache off', 'code-cache off',
  ]) {
    await mi.gdbSet(gdb, setting);
  }
  await passSignal(gdb, engineSignal);
  // The Linux target in plain all-stop mode (gdb's default runs it non-stop
  // underneath). In that mode a stop event of a second process that came in
  // together with the reported one (two processes reaching the engine's hold
  // trap at once) is kept by gdb's core, and gdb 13 may never report it when
  // that thread alone is resumed (scheduler-locking on): it polls one process
  // for events, finds none resumed there and gives up (`TARGET_WAITKIND_NO_RESUMED`,
  // ignored in async mode), and the step over the hold trap never ends. In
  // all-stop mode such an event stays with the thread in the Linux target,
  // which reports it whichever process it polls. Must be set before a program runs.
  await mi.consoleCommand(gdb, 'maint set target-non-stop off');
}

/** The engine's signal must reach the program without stopping it or being shown. */
export async function passSignal(gdb: MiConnection, signal: number): Promise<void> {
  await mi.consoleCommand(gdb, `handle SIG${signal} nostop noprint pass`);
}
