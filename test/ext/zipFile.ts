/**
 * Reads a zip file (a .vsix is one) with Node alone: the names in its central
 * directory, and extraction of every entry with its Unix mode (the engine's
 * executables must stay executable, as when VS Code installs the package).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  /** Offset of the entry's local header. */
  offset: number;
  /** Unix permission bits (0 when the archive does not say). */
  mode: number;
}

export function zipEntries(file: string): ZipEntry[] {
  const buf = fs.readFileSync(file);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${i}`);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    entries.push({
      name: buf.toString('utf8', at + 46, at + 46 + nameLen),
      method: buf.readUInt16LE(at + 10),
      compressedSize: buf.readUInt32LE(at + 20),
      offset: buf.readUInt32LE(at + 42),
      mode: (buf.readUInt32LE(at + 38) >>> 16) & 0o777,
    });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Writes every entry under `dir`; refuses names that would leave it. */
export function extractZip(file: string, dir: string): void {
  const buf = fs.readFileSync(file);
  for (const e of zipEntries(file)) {
    const target = path.resolve(dir, e.name);
    if (!target.startsWith(path.resolve(dir) + path.sep)) throw new Error(`${file}: entry ${e.name} leaves the folder`);
    if (e.name.endsWith('/')) continue;
    const nameLen = buf.readUInt16LE(e.offset + 26);
    const extraLen = buf.readUInt16LE(e.offset + 28);
    const start = e.offset + 30 + nameLen + extraLen;
    const raw = buf.subarray(start, start + e.compressedSize);
    if (e.method !== 0 && e.method !== 8) throw new Error(`${file}: entry ${e.name} uses compression method ${e.method}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, e.method === 8 ? zlib.inflateRawSync(raw) : raw, { mode: e.mode || 0o644 });
  }
}
