import { execFile } from 'node:child_process';
import { CkptError } from './ckptError';
import type { FileRecord } from './fileRecords';
import type { FdKind, FdRow, FileRow, ProcessRow, ThreadRow } from './tables';

/** One memory region of an image, as `ckpt-inspect` prints it. */
export interface ImageMemoryRegion {
  start: string;
  end: string;
  prot: string;
  kind: string;
  path?: string;
  savedBytes: number;
}

/** The JSON `ckpt-inspect IMAGE` prints (PROTOCOL.md); fields beyond these are kept as they are. */
export interface InspectedImage {
  format: number;
  arch: string;
  time: number;
  vpid: number;
  pid: number;
  vppid: number;
  exe: string;
  argv: string[];
  threads: ThreadRow[];
  fds: { fd: number; kind: string; path: string; offset?: number; flags: number }[];
  memory: ImageMemoryRegion[];
  sections: { type: string; offset: number; size: number; checksum: string }[];
  [more: string]: unknown;
}

const FD_KINDS: readonly FdKind[] = ['file', 'stdio', 'pipe', 'fifo', 'socket', 'dir', 'device', 'tty', 'other'];

/**
 * Runs the inspector on one image. `command` is the inspector's argv prefix
 * (the image path is appended), so a test can put a script in its place.
 */
export function runInspector(command: string[], image: string, what: string): Promise<InspectedImage> {
  return new Promise((resolve, reject) => {
    execFile(command[0], [...command.slice(1), image], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') reject(new CkptError(`cannot run ${command[0]}: not found (run \`npm run build\`)`));
        else reject(new CkptError(`${what} is damaged: ${inspectorProblem(String(stderr), err)}`));
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(stdout));
      } catch {
        reject(new CkptError(`${what}: ckpt-inspect printed something that is not JSON`));
        return;
      }
      const problem = inspectedProblem(parsed);
      if (problem) reject(new CkptError(`${what}: ckpt-inspect output ${problem}`));
      else resolve(parsed as InspectedImage);
    });
  });
}

/** The inspector's one line about a bad image; if it printed none, how it ended. */
function inspectorProblem(stderr: string, err: Error & { code?: unknown; signal?: unknown }): string {
  const line = stderr.trim().split('\n').filter(Boolean).pop();
  if (line) return line;
  if (typeof err.signal === 'string' && err.signal) return `ckpt-inspect was killed by ${err.signal}`;
  return `ckpt-inspect failed (exit status ${String(err.code)}) and printed no reason`;
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function inspectedProblem(v: unknown): string | undefined {
  if (!v || typeof v !== 'object') return 'is not an object';
  const o = v as Record<string, unknown>;
  if (!isInt(o.vpid) || !isInt(o.pid)) return 'has no vpid/pid';
  if (!Array.isArray(o.threads)) return 'has no threads';
  if (!Array.isArray(o.fds)) return 'has no fds';
  if (!Array.isArray(o.memory)) return 'has no memory';
  return undefined;
}

/** Maps an inspected image onto the shared table shapes. */
export function imageToProcessRow(img: InspectedImage): ProcessRow {
  const fds: FdRow[] = img.fds.map((f) => {
    const row: FdRow = {
      fd: f.fd,
      kind: FD_KINDS.includes(f.kind as FdKind) ? (f.kind as FdKind) : 'other',
      path: f.path ?? '',
      flags: isInt(f.flags) ? f.flags : 0,
    };
    // The inspector says -1 for fds without an offset (pipes, sockets).
    if (isInt(f.offset) && f.offset >= 0) row.offset = f.offset;
    return row;
  });
  fds.sort((a, b) => a.fd - b.fd);
  return {
    vpid: img.vpid,
    pid: img.pid,
    vppid: isInt(img.vppid) ? img.vppid : 0,
    ...(isInt(img.pgid) ? { pgid: img.pgid } : {}),
    ...(isInt(img.sid) ? { sid: img.sid } : {}),
    argv: Array.isArray(img.argv) ? img.argv.map(String) : [],
    threads: img.threads.map((t) => ({ vtid: t.vtid, tid: t.tid })),
    fds,
    ...(Array.isArray(img.files) ? { files: fileRows(img.files) } : {}),
  };
}

/** The inspector's `files` (which files a snapshot holds and which it only checks), as table rows. */
function fileRows(files: unknown[]): FileRow[] {
  return files
    .filter((f): f is FileRecord => !!f && typeof (f as FileRecord).path === 'string')
    .map((f) => ({
      path: f.path,
      how: f.how === 'saved' || f.how === 'folder' || f.how === 'tracked' ? f.how : 'checked',
      why: Array.isArray(f.why) ? f.why.map(String) : [],
      size: isInt(f.size) ? f.size : 0,
    }));
}
