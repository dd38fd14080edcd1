/**
 * Typed gdb/MI commands: each builds one MI command line and turns the result
 * tuple into a plain object. Thread and frame are explicit on every call that
 * depends on them, so no command relies on gdb's "current" selection.
 */
import type { MiCommandResult, MiConnection } from './gdbProcess';
import {
  MiTuple, MiValue, miList, miNumber, miString, miTuple, miTuples, quoteMiArg,
} from './miParser';

export interface BreakpointLocation {
  file?: string;
  fullname?: string;
  line?: number;
  func?: string;
  addr?: string;
}

export interface Breakpoint extends BreakpointLocation {
  number: number;
  /** No code location yet (e.g. a shared library not loaded). */
  pending: boolean;
  condition?: string;
  hits: number;
  /** For a breakpoint with several locations, each of them. */
  locations: BreakpointLocation[];
}

export interface Frame {
  level: number;
  addr?: string;
  func?: string;
  file?: string;
  fullname?: string;
  line?: number;
  /** The shared object, for frames without debug info. */
  from?: string;
}

export interface ThreadInfo {
  id: number;
  targetId: string;
  name?: string;
  state: 'stopped' | 'running' | string;
  frame?: Frame;
}

/** The kernel's id of a thread from gdb's target id (`Thread 0x… (LWP 123)`, or `process 123` for a process of one thread). */
export function lwpOf(targetId: string): number | undefined {
  const m = /LWP (\d+)/.exec(targetId) ?? /process (\d+)/.exec(targetId);
  return m ? Number(m[1]) : undefined;
}

export interface StackVariable {
  name: string;
  type?: string;
  /** Present for simple types only (with --simple-values). */
  value?: string;
  isArg: boolean;
}

export interface VarObject {
  /** gdb's handle for the varobj (var1, var1.x, ...). */
  name: string;
  /** The expression the child stands for relative to its parent (field name, index). */
  exp: string;
  numchild: number;
  value?: string;
  type?: string;
  /** gdb knows more children may appear (dynamic varobjs). */
  dynamic?: boolean;
}

export interface RegisterValue { number: number; value: string }

export interface ThreadFrame { thread: number; frame: number }

function frameArgs(at?: ThreadFrame): string {
  return at ? ` --thread ${at.thread} --frame ${at.frame}` : '';
}

function toLocation(t: MiTuple): BreakpointLocation {
  return {
    file: miString(t.file),
    fullname: miString(t.fullname),
    line: miNumber(t.line),
    func: miString(t.func),
    addr: miString(t.addr),
  };
}

export function toBreakpoint(t: MiTuple): Breakpoint {
  const locations = miTuples(t.locations).map(toLocation);
  const own = toLocation(t);
  const first = own.line !== undefined ? own : locations.find((l) => l.line !== undefined) ?? own;
  const addr = miString(t.addr);
  return {
    ...first,
    number: miNumber(t.number) ?? -1,
    pending: miString(t.pending) !== undefined || addr === '<PENDING>',
    condition: miString(t.cond),
    hits: miNumber(t.times) ?? 0,
    locations,
  };
}

export function toFrame(t: MiTuple): Frame {
  return {
    level: miNumber(t.level) ?? 0,
    addr: miString(t.addr),
    func: miString(t.func),
    file: miString(t.file),
    fullname: miString(t.fullname),
    line: miNumber(t.line),
    from: miString(t.from),
  };
}

function toVarObject(t: MiTuple): VarObject {
  return {
    name: miString(t.name) ?? '',
    exp: miString(t.exp) ?? miString(t.name) ?? '',
    numchild: miNumber(t.numchild) ?? 0,
    value: miString(t.value),
    type: miString(t.type),
    dynamic: miString(t.dynamic) === '1' || undefined,
  };
}

// ---- breakpoints ---------------------------------------------------------------------

export interface BreakInsertOptions {
  /** `file:line`, a function name, `*address`: any gdb location. */
  location: string;
  condition?: string;
  temporary?: boolean;
  /** Keep it pending when the location is not known yet (default true). */
  pending?: boolean;
}

export async function breakInsert(gdb: MiConnection, opts: BreakInsertOptions): Promise<Breakpoint> {
  let cmd = '-break-insert';
  if (opts.pending !== false) cmd += ' -f';
  if (opts.temporary) cmd += ' -t';
  if (opts.condition) cmd += ` -c ${quoteMiArg(opts.condition)}`;
  cmd += ` ${quoteMiArg(opts.location)}`;
  const r = await gdb.send(cmd);
  return toBreakpoint(miTuple(r.record.results.bkpt) ?? {});
}

export type WatchAccess = 'write' | 'read' | 'readWrite';

/** A watchpoint on `expression` (gdb `watch`, `rwatch`, `awatch`): its number. */
export async function breakWatch(gdb: MiConnection, expression: string, access: WatchAccess = 'write', condition?: string): Promise<number> {
  const flag = access === 'read' ? ' -r' : access === 'readWrite' ? ' -a' : '';
  const r = await gdb.send(`-break-watch${flag} ${quoteMiArg(expression)}`);
  const wpt = miTuple(r.record.results.wpt ?? r.record.results['hw-rwpt'] ?? r.record.results['hw-awpt']);
  const number = miNumber(wpt?.number);
  if (number === undefined) throw new Error(`gdb set no watchpoint on '${expression}'`);
  if (condition) await breakCondition(gdb, number, condition);
  return number;
}

export async function breakDelete(gdb: MiConnection, numbers: number[]): Promise<void> {
  if (numbers.length === 0) return;
  await gdb.send(`-break-delete ${numbers.join(' ')}`);
}

export async function breakCondition(gdb: MiConnection, number: number, condition: string): Promise<void> {
  await gdb.send(`-break-condition ${number} ${condition}`);
}

/** The code addresses a breakpoint is inserted at (each of its locations). */
export function codeAddresses(b: Breakpoint): bigint[] {
  return [b.addr, ...b.locations.map((l) => l.addr)].filter((a): a is string => !!a && /^0x/.test(a)).map((a) => BigInt(a));
}

export async function breakList(gdb: MiConnection): Promise<Breakpoint[]> {
  const r = await gdb.send('-break-list');
  const table = miTuple(r.record.results.BreakpointTable);
  return miTuples(table?.body).map(toBreakpoint);
}

// ---- execution -----------------------------------------------------------------------

export async function execRun(gdb: MiConnection, opts: { start?: boolean } = {}): Promise<void> {
  await gdb.send(opts.start ? '-exec-run --start' : '-exec-run');
}

export async function execContinue(gdb: MiConnection, opts: { thread?: number; all?: boolean } = {}): Promise<void> {
  await gdb.send('-exec-continue' + (opts.all ? ' --all' : '') + (opts.thread !== undefined ? ` --thread ${opts.thread}` : ''));
}

export async function execNext(gdb: MiConnection, thread: number): Promise<void> {
  await gdb.send(`-exec-next --thread ${thread}`);
}

export async function execStep(gdb: MiConnection, thread: number): Promise<void> {
  await gdb.send(`-exec-step --thread ${thread}`);
}

export async function execNextInstruction(gdb: MiConnection, thread: number): Promise<void> {
  await gdb.send(`-exec-next-instruction --thread ${thread}`);
}

export async function execStepInstruction(gdb: MiConnection, thread: number): Promise<void> {
  await gdb.send(`-exec-step-instruction --thread ${thread}`);
}

export async function execFinish(gdb: MiConnection, at: ThreadFrame): Promise<void> {
  await gdb.send(`-exec-finish${frameArgs(at)}`);
}

export async function execInterrupt(gdb: MiConnection, opts: { all?: boolean } = {}): Promise<void> {
  await gdb.send('-exec-interrupt' + (opts.all ? ' --all' : ''));
}

export async function execArguments(gdb: MiConnection, args: string): Promise<void> {
  await gdb.send(`-exec-arguments ${args}`);
}

// ---- files, settings, environment ----------------------------------------------------

export async function fileExecAndSymbols(gdb: MiConnection, program: string): Promise<MiCommandResult> {
  return gdb.send(`-file-exec-and-symbols ${quoteMiArg(program)}`);
}

/**
 * Whether the loaded program has line information: gdb answers "No symbol table
 * is loaded" for the program's main source file when it has none.
 */
export async function hasDebugInfo(gdb: MiConnection): Promise<boolean> {
  try {
    await gdb.send('-file-list-exec-source-file');
    return true;
  } catch (err) {
    if (err instanceof Error && /No symbol table/i.test(err.message)) return false;
    throw err;
  }
}

export async function gdbSet(gdb: MiConnection, setting: string): Promise<void> {
  await gdb.send(`-gdb-set ${setting}`);
}

/** A setting's value as gdb shows it (undefined when it gives none). */
export async function gdbShow(gdb: MiConnection, setting: string): Promise<string | undefined> {
  return miString((await gdb.send(`-gdb-show ${setting}`)).record.results.value);
}

export async function environmentCd(gdb: MiConnection, dir: string): Promise<void> {
  await gdb.send(`-environment-cd ${quoteMiArg(dir)}`);
}

/** Runs a CLI command and returns what it printed. */
export async function consoleCommand(gdb: MiConnection, command: string): Promise<string> {
  const r = await gdb.send(`-interpreter-exec console ${quoteMiArg(command)}`);
  return r.console;
}

/** Sets a variable in the environment the program will be started with. */
export async function setInferiorEnvironment(gdb: MiConnection, name: string, value: string): Promise<void> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid environment variable name '${name}'`);
  await consoleCommand(gdb, `set environment ${name}=${value}`);
}

export async function unsetInferiorEnvironment(gdb: MiConnection, name: string): Promise<void> {
  await consoleCommand(gdb, `unset environment ${name}`);
}

export async function inferiorTtySet(gdb: MiConnection, tty: string): Promise<void> {
  await gdb.send(`-inferior-tty-set ${quoteMiArg(tty)}`);
}

// ---- threads and stacks ---------------------------------------------------------------

export async function threadInfo(gdb: MiConnection): Promise<{ threads: ThreadInfo[]; current?: number }> {
  const r = await gdb.send('-thread-info');
  const threads = miTuples(r.record.results.threads).map((t): ThreadInfo => ({
    id: miNumber(t.id) ?? 0,
    targetId: miString(t['target-id']) ?? '',
    name: miString(t.name),
    state: miString(t.state) ?? 'unknown',
    frame: miTuple(t.frame) ? toFrame(miTuple(t.frame)!) : undefined,
  }));
  return { threads, current: miNumber(r.record.results['current-thread-id']) };
}

export async function threadSelect(gdb: MiConnection, thread: number): Promise<void> {
  await gdb.send(`-thread-select ${thread}`);
}

export async function stackInfoDepth(gdb: MiConnection, thread: number, maxDepth?: number): Promise<number> {
  const r = await gdb.send(`-stack-info-depth --thread ${thread}${maxDepth !== undefined ? ` ${maxDepth}` : ''}`);
  return miNumber(r.record.results.depth) ?? 0;
}

export async function stackListFrames(
  gdb: MiConnection, thread: number, low?: number, high?: number,
): Promise<Frame[]> {
  const range = low !== undefined && high !== undefined ? ` ${low} ${high}` : '';
  const r = await gdb.send(`-stack-list-frames --thread ${thread}${range}`);
  return miTuples(r.record.results.stack).map(toFrame);
}

export async function stackListVariables(gdb: MiConnection, at: ThreadFrame): Promise<StackVariable[]> {
  const r = await gdb.send(`-stack-list-variables${frameArgs(at)} --simple-values`);
  return miTuples(r.record.results.variables).map((t) => ({
    name: miString(t.name) ?? '',
    type: miString(t.type),
    value: miString(t.value),
    isArg: miString(t.arg) === '1',
  }));
}

// ---- variable objects ------------------------------------------------------------------

export async function varCreate(gdb: MiConnection, expression: string, at?: ThreadFrame): Promise<VarObject> {
  const r = await gdb.send(`-var-create${frameArgs(at)} - * ${quoteMiArg(expression)}`);
  return { ...toVarObject(r.record.results), exp: expression };
}

export async function varListChildren(gdb: MiConnection, name: string, from?: number, to?: number): Promise<VarObject[]> {
  const range = from !== undefined && to !== undefined ? ` ${from} ${to}` : '';
  const r = await gdb.send(`-var-list-children --all-values ${quoteMiArg(name)}${range}`);
  return miTuples(r.record.results.children).map(toVarObject);
}

export async function varDelete(gdb: MiConnection, name: string): Promise<void> {
  await gdb.send(`-var-delete ${quoteMiArg(name)}`);
}

export async function varEvaluateExpression(gdb: MiConnection, name: string): Promise<string> {
  const r = await gdb.send(`-var-evaluate-expression ${quoteMiArg(name)}`);
  return miString(r.record.results.value) ?? '';
}

export async function varAssign(gdb: MiConnection, name: string, expression: string): Promise<string> {
  const r = await gdb.send(`-var-assign ${quoteMiArg(name)} ${quoteMiArg(expression)}`);
  return miString(r.record.results.value) ?? '';
}

/** The full expression of a varobj child (e.g. `origin.x`), usable in `evaluate`. */
export async function varInfoPathExpression(gdb: MiConnection, name: string): Promise<string> {
  const r = await gdb.send(`-var-info-path-expression ${quoteMiArg(name)}`);
  return miString(r.record.results.path_expr) ?? '';
}

// ---- data ------------------------------------------------------------------------------

export async function dataEvaluateExpression(gdb: MiConnection, expression: string, at?: ThreadFrame): Promise<string> {
  const r = await gdb.send(`-data-evaluate-expression${frameArgs(at)} ${quoteMiArg(expression)}`);
  return miString(r.record.results.value) ?? '';
}

export interface Instruction {
  address: bigint;
  /** Its bytes as gdb prints them ("48 89 e5"). */
  opcodes: string;
  /** The instruction in gdb's syntax. */
  text: string;
  func?: string;
  offset?: number;
  /** Its source line, when gdb knows one. */
  line?: number;
  fullname?: string;
}

/** The instructions that begin in [start, end), with their bytes and source lines. */
export async function dataDisassemble(gdb: MiConnection, start: bigint, end: bigint): Promise<Instruction[]> {
  // Mode 5: source-centric, with raw opcodes (an instruction with no line comes alone).
  const r = await gdb.send(`-data-disassemble -s 0x${start.toString(16)} -e 0x${end.toString(16)} -- 5`);
  const out: Instruction[] = [];
  const add = (t: MiTuple, line?: number, fullname?: string): void => {
    const address = miString(t.address);
    if (!address) return;
    out.push({
      address: BigInt(address),
      opcodes: miString(t.opcodes) ?? '',
      text: miString(t.inst) ?? '',
      func: miString(t['func-name']),
      offset: miNumber(t.offset),
      line,
      fullname,
    });
  };
  for (const item of miTuples(r.record.results.asm_insns)) {
    if (item.line_asm_insn !== undefined) {
      const line = miNumber(item.line);
      const fullname = miString(item.fullname);
      for (const insn of miTuples(item.line_asm_insn)) add(insn, line, fullname);
    } else add(item);
  }
  return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

export interface MemoryBlock { begin: bigint; end: bigint; contents: Buffer }

/** The readable parts of [address, address + count), in order. */
export async function dataReadMemoryBytes(gdb: MiConnection, address: bigint, count: number): Promise<MemoryBlock[]> {
  const r = await gdb.send(`-data-read-memory-bytes 0x${address.toString(16)} ${count}`);
  return miTuples(r.record.results.memory).map((m) => {
    const begin = BigInt(miString(m.begin) ?? '0');
    return { begin, end: BigInt(miString(m.end) ?? '0'), contents: Buffer.from(miString(m.contents) ?? '', 'hex') };
  }).sort((a, b) => (a.begin < b.begin ? -1 : 1));
}

export async function dataListRegisterNames(gdb: MiConnection): Promise<string[]> {
  const r = await gdb.send('-data-list-register-names');
  return miList(r.record.results['register-names']).map((v: MiValue) => miString(v) ?? '');
}

export async function dataListRegisterValues(
  gdb: MiConnection, at: ThreadFrame, format: 'x' | 'N' | 'r' = 'x', registers: number[] = [],
): Promise<RegisterValue[]> {
  const regs = registers.length ? ' ' + registers.join(' ') : '';
  const r = await gdb.send(`-data-list-register-values${frameArgs(at)} ${format}${regs}`);
  return miTuples(r.record.results['register-values']).map((t) => ({
    number: miNumber(t.number) ?? -1,
    value: miString(t.value) ?? '',
  }));
}

// ---- inferiors -------------------------------------------------------------------------

export interface ThreadGroup { id: string; pid?: number; executable?: string; threadIds: number[] }

export async function listThreadGroups(gdb: MiConnection): Promise<ThreadGroup[]> {
  const r = await gdb.send('-list-thread-groups');
  return miTuples(r.record.results.groups).map((g) => ({
    id: miString(g.id) ?? '',
    pid: miNumber(g.pid),
    executable: miString(g.executable),
    threadIds: [],
  }));
}

export async function killInferiors(gdb: MiConnection, inferiorNumbers: number[]): Promise<void> {
  if (inferiorNumbers.length === 0) return;
  await consoleCommand(gdb, `kill inferiors ${inferiorNumbers.join(' ')}`);
}
