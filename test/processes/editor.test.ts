import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { checkpoint, computationPids, skipUnlessBuilt, Workspace } from './fixtures/computation';
import { Terminal, waitForStatus } from './fixtures/terminal';

const ws = new Workspace();
after(() => {
  Terminal.killAll();
  ws.cleanup();
});

const ESC = '\x1b';
const CTRL_L = '\x0c';

describe('full-screen programs in a terminal', { skip: skipUnlessBuilt }, () => {
  test('vim: text typed before --kill is in the restarted editor\'s buffer, and :wq writes it with what was typed after', async () => {
    const file = path.join(ws.root, 'notes.txt');
    const dir = ws.dir('vim');
    // No vimrc: the same editor whatever the machine's settings.
    const first = new Terminal(['launch', '--dir', dir, '--', 'vim', '-u', 'NONE', '-N', file]);
    await first.waitFor(/~/);
    first.write(`ihello one${ESC}`);
    await first.waitFor(/hello one/);
    const saved = await checkpoint(dir, '--kill');
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(await first.exited, 0, first.output);
    assert.equal(fs.existsSync(file), false, 'nothing was written before the restart');

    const second = new Terminal(['restart', '--dir', dir, saved.id!]);
    await waitForStatus(dir).catch((e: Error) => assert.fail(`${e.message}\nthe restart's terminal:\n${second.output}`));
    second.write(CTRL_L); // a redraw from the restored buffer
    await second.waitFor(/hello one/);
    second.write(`otwo${ESC}:wq\r`);
    assert.equal(await second.exited, 0, second.output);
    assert.equal(fs.readFileSync(file, 'utf8'), 'hello one\ntwo\n');
    assert.deepEqual(computationPids(dir), []);
  });

  test('less: the position in the file comes back (a repaint shows the end), and it moves and quits as usual', async () => {
    const file = path.join(ws.root, 'lines.txt');
    fs.writeFileSync(file, Array.from({ length: 5000 }, (_, i) => `line ${i + 1}\n`).join(''));
    const dir = ws.dir('less');
    const first = new Terminal(['launch', '--dir', dir, '--', 'less', file]);
    await first.waitFor(/line 23\r?\n/);
    first.write('G');
    await first.waitFor(/line 5000/);
    const saved = await checkpoint(dir, '--kill');
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(await first.exited, 0, first.output);

    const second = new Terminal(['restart', '--dir', dir, saved.id!]);
    await waitForStatus(dir).catch((e: Error) => assert.fail(`${e.message}\nthe restart's terminal:\n${second.output}`));
    second.write('r'); // repaint what less has on its screen
    await second.waitFor(/line 4990\r?\n/);
    assert.doesNotMatch(second.output, /line 1\r?\n/, 'still at the end of the file');
    second.write('g');
    await second.waitFor(/line 1\r?\n/);
    second.write('q');
    assert.equal(await second.exited, 0, second.output);
    assert.deepEqual(computationPids(dir), []);
  });
});
