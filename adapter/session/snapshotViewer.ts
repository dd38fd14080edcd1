/**
 * Looking at a snapshot without restoring it: each saved process becomes an
 * ELF core file (`ckpt-inspect --core`) that a gdb of its own reads next to the
 * program. The session's gdb and the live program are never touched.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CkptError, SnapshotStore, nativePathsUnchecked, requireNativeFile } from '../engine';
import { GdbProcess } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import type { InspectSnapshotResult, SnapshotProcessView, SnapshotThreadView } from '../protocol';

export interface SnapshotViewOptions {
  /** The program the snapshot is of (its symbols); default: the exe the image names. */
  program?: string;
  gdbPath?: string;
  /** Frames listed per thread at most. */
  maxFrames?: number;
}

/** Reads every process of snapshot `id` through a core file and a private gdb. */
export async function viewSnapshot(store: SnapshotStore, id: string, options: SnapshotViewOptions = {}): Promise<InspectSnapshotResult> {
  const manifest = store.manifest(id); // a clear error for an unknown or deleted id
  const inspector = requireNativeFile(nativePathsUnchecked().inspect);
  // mkdtemp makes the directory 0700: the cores hold the program's whole memory.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-view-'));
  try {
    const processes: SnapshotProcessView[] = [];
    for (const p of manifest.processes) {
      const image = store.imagePath(id, p.vpid);
      if (!fs.existsSync(image)) throw new CkptError(`snapshot ${id} is damaged: its image ${p.image} is missing`);
      const core = path.join(tmp, `p${p.vpid}.core`);
      await writeCore(inspector, image, core, `snapshot ${id} (image ${p.image})`);
      const saved = await describe(inspector, image);
      const program = options.program ?? saved.exe;
      if (!program) throw new CkptError(`the image ${image} does not name its program`);
      // The core names threads by the tids it was written with: either kernel or virtual ones.
      const vtidOf = new Map<number, number>();
      for (const t of saved.threads) { vtidOf.set(t.tid, t.vtid); vtidOf.set(t.vtid, t.vtid); }
      processes.push({ vpid: p.vpid, threads: await readCore(program, core, vtidOf, options) });
    }
    return { id, processes };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function run(file: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderrText: String(stderr) }));
      else resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function writeCore(inspector: string, image: string, core: string, what: string): Promise<void> {
  try {
    await run(inspector, ['--core', core, image]);
  } catch (err) {
    const msg = String((err as { stderrText?: string }).stderrText ?? '').trim().split('\n').filter(Boolean).pop();
    throw new CkptError(`${what} cannot be read: ${msg ?? (err as Error).message}`);
  }
  fs.chmodSync(core, 0o600);
}

async function describe(inspector: string, image: string): Promise<{ exe?: string; threads: { vtid: number; tid: number }[] }> {
  const { stdout } = await run(inspector, [image]);
  const json = JSON.parse(stdout) as { exe?: unknown; threads?: unknown };
  const threads = Array.isArray(json.threads)
    ? json.threads.filter((t): t is { vtid: number; tid: number } => Number.isInteger(t?.vtid) && Number.isInteger(t?.tid))
    : [];
  return { exe: typeof json.exe === 'string' && json.exe !== '' ? json.exe : undefined, threads };
}

/** gdb on program + core: every thread's stack and the locals of its innermost user frame. */
async function readCore(program: string, core: string, vtidOf: Map<number, number>, options: SnapshotViewOptions): Promise<SnapshotThreadView[]> {
  const gdb = new GdbProcess();
  await gdb.start({ gdbPath: options.gdbPath, cwd: path.dirname(core) });
  try {
    for (const setting of ['pagination off', 'confirm off', 'width 0', 'height 0', 'print pretty off']) await mi.gdbSet(gdb, setting);
    await mi.fileExecAndSymbols(gdb, program).catch((err) => {
      throw new CkptError(`gdb cannot load '${program}': ${(err as Error).message}`);
    });
    // gdb runs in the core's directory: MI would take a quoted path literally, quotes and all.
    await gdb.send(`-target-select core ${path.basename(core)}`).catch((err) => {
      throw new CkptError(`gdb cannot read the core of the snapshot: ${(err as Error).message}`);
    });
    const { threads } = await mi.threadInfo(gdb);
    const out: SnapshotThreadView[] = [];
    for (const t of threads) {
      const frames = await mi.stackListFrames(gdb, t.id, 0, (options.maxFrames ?? 64) - 1);
      // The user's frame: libc's own (with its debug info installed) has source lines too,
      // but not source files on this machine.
      const top = frames.find((f) => f.line !== undefined && !!f.fullname && path.isAbsolute(f.fullname) && fs.existsSync(f.fullname))
        ?? frames.find((f) => f.line !== undefined);
      const locals = top
        ? (await mi.stackListVariables(gdb, { thread: t.id, frame: top.level }))
          .filter((v) => !v.isArg)
          .map((v) => ({ name: v.name, value: v.value ?? (v.type ? `{${v.type}}` : '') }))
        : [];
      const lwp = mi.lwpOf(t.targetId); // a core names its threads by the tids saved in it (the virtual ones)
      out.push({
        vtid: (lwp !== undefined ? vtidOf.get(lwp) ?? lwp : undefined) ?? t.id,
        frames: frames.map((f) => ({ name: f.func ?? f.addr ?? '??', file: f.fullname ?? f.file, line: f.line })),
        locals,
      });
    }
    return out;
  } finally {
    await gdb.stop().catch(() => gdb.kill());
  }
}

