import type { ChildProcess, StdioOptions } from 'node:child_process';
import type { Readable } from 'node:stream';
import { FileNote, parseFileNote } from './fileRecords';

/**
 * Where the restorer writes what it did with the program's files before the
 * program runs (`ckpt-restore --notes-fd`): a pipe at this fd of the
 * restorer, which it closes before the program runs.
 */
export const NOTES_FD = 3;

/** The restorer's stdio: the program's three, then the notes pipe. */
export function restorerStdio(stdio: StdioOptions): StdioOptions {
  const three = Array.isArray(stdio) ? [0, 1, 2].map((i) => stdio[i] ?? 'inherit') : [stdio, stdio, stdio];
  return [...three, 'pipe'];
}

/** The restorer's notes, once it has closed the pipe (or ended). */
export function collectNotes(child: ChildProcess): Promise<FileNote[]> {
  const pipe = child.stdio[NOTES_FD] as Readable | null | undefined;
  if (!pipe) return Promise.resolve([]);
  return new Promise((resolve) => {
    let text = '';
    pipe.setEncoding('utf8');
    pipe.on('data', (chunk: string) => { text += chunk; });
    const done = () => resolve(text.split('\n').map(parseFileNote).filter((n): n is FileNote => n !== undefined));
    pipe.once('end', done);
    pipe.once('error', done);
  });
}
