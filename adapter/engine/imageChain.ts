/**
 * Increments name the image they inherit pages from (the PARENT section of
 * image format 2, native/include/ckpt_image.h). Deleting a snapshot keeps
 * those of its images that a remaining snapshot still needs, until none does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const HEADER_BYTES = 48;
const SECTION_BYTES = 64;
const SEC_PARENT = 11;
const PARENT_PATH_OFFSET = 16;
const PARENT_PATH_MAX = 4096;
const MAX_CHAIN = 32;

function readAt(fd: number, length: number, position: number): Buffer {
  const b = Buffer.alloc(length);
  const n = fs.readSync(fd, b, 0, length, position);
  return b.subarray(0, n);
}

/**
 * The absolute path of the image `image` inherits from, or undefined for a
 * complete image (or one that cannot be read: the restorer names what is wrong
 * with it, and it needs nothing kept).
 */
export function parentImage(image: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(image, 'r');
  } catch {
    return undefined;
  }
  try {
    const h = readAt(fd, HEADER_BYTES, 0);
    if (h.length < HEADER_BYTES || h.toString('latin1', 0, 8) !== 'CKPTIMG\n' || h.readUInt32LE(8) < 2) return undefined;
    const nsections = h.readUInt32LE(20);
    if (nsections > 64) return undefined;
    const table = readAt(fd, nsections * SECTION_BYTES, Number(h.readBigUInt64LE(24)));
    for (let i = 0; i + SECTION_BYTES <= table.length; i += SECTION_BYTES) {
      if (table.readUInt32LE(i) !== SEC_PARENT) continue;
      const raw = readAt(fd, PARENT_PATH_MAX, Number(table.readBigUInt64LE(i + 8)) + PARENT_PATH_OFFSET);
      const end = raw.indexOf(0);
      const rel = raw.toString('utf8', 0, end < 0 ? raw.length : end);
      return rel === '' ? undefined : path.resolve(path.dirname(image), rel);
    }
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** Every image that the given images inherit from, directly or further up. */
export function ancestorImages(images: string[]): Set<string> {
  const out = new Set<string>();
  for (const image of images) {
    let p = parentImage(image);
    for (let depth = 0; p !== undefined && !out.has(p) && depth < MAX_CHAIN; depth++) {
      out.add(p);
      p = parentImage(p);
    }
  }
  return out;
}
