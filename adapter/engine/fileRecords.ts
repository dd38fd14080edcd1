/**
 * The program's files in a snapshot (native/include/ckpt_files.h): what the
 * engine said of them at a checkpoint, what the restorer said it did with them
 * at a restart, and how each reads for a person.
 */

/** What one process's checkpoint answer says of its files (`files` in the answer). */
export interface SavedFilesSummary {
  /** Files whose contents the snapshot holds (written, or mapped shared and writable). */
  saved: number;
  /** Files only checked at restart (open for reading; or written but too large or unreadable). */
  checked: number;
  /** Of the checked ones, files the program writes that could not be saved. */
  notSaved: number;
  /** Bytes of the saved files. */
  bytes: number;
  /** Bytes this snapshot stored anew (the rest was already in the previous snapshot). */
  addedBytes: number;
  /** Of the saved files, those in tracked folders (`ckpt launch --track`). */
  tracked?: number;
}

/** One file of a snapshot, as `ckpt-inspect` gives it (`files` in the image's JSON). */
export interface FileRecord {
  path: string;
  /** folder: a folder of a tracked folder; tracked: a tracked folder's root. */
  how: 'saved' | 'checked' | 'folder' | 'tracked';
  why: ('written' | 'mapped' | 'read' | 'tracked' | 'tooLarge' | 'unreadable')[];
  size: number;
  mode: number;
  mtimeMs: number;
  chunks: number;
}

/**
 * What a restart did with one file before the program ran (a JSON line of
 * `ckpt-restore --notes-fd`): put back (`replaced`, the previous contents kept
 * as `keptAs`, or `created`), or a file only checked that `changed`.
 */
export type FileNote =
  | { file: string; put: 'replaced'; size: number; sizeBefore: number; keptAs: string }
  | { file: string; put: 'created'; size: number }
  | { file: string; put: 'removed'; keptAs: string }
  | { file: string; changed: true; size: number; sizeNow: number };

/** The answer's `files` field, if it is well formed. */
export function savedFilesSummary(v: unknown): SavedFilesSummary | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const keys = ['saved', 'checked', 'notSaved', 'bytes', 'addedBytes'] as const;
  if (!keys.every((k) => typeof o[k] === 'number')) return undefined;
  const summary: SavedFilesSummary = { saved: o.saved as number, checked: o.checked as number, notSaved: o.notSaved as number, bytes: o.bytes as number, addedBytes: o.addedBytes as number };
  if (typeof o.tracked === 'number' && o.tracked > 0) summary.tracked = o.tracked;
  return summary;
}

/** A line of the restorer's notes, if it is one. */
export function parseFileNote(line: string): FileNote | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object' || typeof (v as { file?: unknown }).file !== 'string') return undefined;
  const o = v as Record<string, unknown>;
  if (o.put === 'replaced' || o.put === 'created' || o.put === 'removed' || o.changed === true) return o as unknown as FileNote;
  return undefined;
}

/** One sentence for a person: what changed on disk and how to have it back. */
export function describeFileNote(n: FileNote): string {
  if ('changed' in n) {
    return `warning: ${n.file} changed since the snapshot (${n.size} bytes then, ${n.sizeNow} now); ` +
      'the program goes on with it as it is now (--strict refuses such a restart)';
  }
  if (n.put === 'created') return `${n.file}: made again as it was at the snapshot (${n.size} bytes)`;
  if (n.put === 'removed') {
    return `${n.file}: taken away (it was not in the tracked folder at the snapshot); kept as ${n.keptAs} ` +
      `(mv ${shellWord(n.keptAs)} ${shellWord(n.file)} brings it back)`;
  }
  return `${n.file}: put back as it was at the snapshot (${n.size} bytes); what was there (${n.sizeBefore} bytes) ` +
    `is kept as ${n.keptAs} (mv ${shellWord(n.keptAs)} ${shellWord(n.file)} brings it back)`;
}

function shellWord(s: string): string {
  return /^[A-Za-z0-9_./+:=@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
