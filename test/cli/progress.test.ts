import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withProgress } from '../../adapter/cli/progress';

/** A terminal (or not) that keeps what was drawn on it. */
function screen(isTTY: boolean): { isTTY: boolean; text: string; write(t: string): boolean } {
  return { isTTY, text: '', write(t: string) { this.text += t; return true; } };
}

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('progress line', () => {
  test('slow work on a terminal: drawn in place after half a second, erased at the end', async () => {
    const tty = screen(true);
    assert.equal(await withProgress('saving a snapshot', after(1300, 42), { stream: tty }), 42);
    const frames = tty.text.split('\r').filter((f) => f !== '');
    assert.ok(frames.length >= 2, JSON.stringify(tty.text));
    assert.match(frames[0], /^ckpt: saving a snapshot… (0\.[5-9]|[1-9]\.\d)s\x1b\[K$/, 'not before half a second');
    assert.match(frames.at(-2)!, /^ckpt: saving a snapshot… \d+\.\ds\x1b\[K$/);
    assert.notEqual(frames.at(-2), frames[0], 'the time moves on');
    assert.equal(frames.at(-1), '\x1b[K', 'the line is erased');
    assert.doesNotMatch(tty.text, /\n/, 'never scrolls');
  });

  test('quick work, a pipe, or --json: nothing drawn', async () => {
    const quick = screen(true);
    await withProgress('saving', after(100, 0), { stream: quick });
    assert.equal(quick.text, '');
    const pipe = screen(false);
    await withProgress('saving', after(700, 0), { stream: pipe });
    assert.equal(pipe.text, '');
    const quiet = screen(true);
    await withProgress('saving', after(700, 0), { stream: quiet, quiet: true });
    assert.equal(quiet.text, '');
  });

  test('failed work: the error passes through and the line is erased', async () => {
    const tty = screen(true);
    const failing = after(700, 0).then(() => Promise.reject(new Error('disk full')));
    await assert.rejects(withProgress('saving', failing, { stream: tty }), /^Error: disk full$/);
    assert.match(tty.text, /^\rckpt: saving… 0\.\ds\x1b\[K.*\r\x1b\[K$/s);
  });
});
