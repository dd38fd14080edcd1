/**
 * The two other ways to run the adapter: as a TCP server (`--server=PORT`) and
 * in-process (the object the extension wraps in DebugAdapterInlineImplementation).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { spawn } from 'child_process';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { createInProcessSession, killAllInProcessSessions } from '../../adapter/inProcess';
import { Programs, TIMEOUT_MS, lineOf, sourceOf } from '../fixtures/dapHarness';

const programs = new Programs();
const ADAPTER = path.resolve(__dirname, '..', '..', 'adapter', 'debugAdapter.js');
let basic: string;

before(() => { basic = programs.build('basic'); });
after(() => programs.dispose());

test('--server=PORT serves DAP over TCP', { timeout: 2 * TIMEOUT_MS }, async (t) => {
  const server = spawn(process.execPath, [ADAPTER, '--server=0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { server.kill('SIGTERM'); });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    server.once('exit', (code) => reject(new Error(`the adapter server exited (${code}): ${out}`)));
  });
  const dc = new DebugClient('node', ADAPTER, 'ckpt');
  await dc.start(port);
  // Stopped here rather than in an after hook: in socket mode the client has no
  // timers of its own, and the runner must see this test's work as pending.
  try {
    const line = lineOf('basic.c', 'BP1');
    await dc.hitBreakpoint({ program: basic }, { path: sourceOf('basic.c'), line });
  } finally {
    await dc.stop();
  }
});

test('--server with a bad port is refused with a message', async () => {
  const proc = spawn(process.execPath, [ADAPTER, '--server=99999'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  assert.equal(code, 2);
  assert.match(err, /invalid port in '--server=99999'/);
});

test('the in-process session speaks DAP through handleMessage and onDidSendMessage', { timeout: 2 * TIMEOUT_MS }, async (t) => {
  const session = createInProcessSession();
  t.after(() => { killAllInProcessSessions(); session.dispose(); });
  const received: DebugProtocol.ProtocolMessage[] = [];
  const waiters: { match: (m: DebugProtocol.ProtocolMessage) => boolean; resolve: (m: DebugProtocol.ProtocolMessage) => void }[] = [];
  session.onDidSendMessage((m) => {
    const msg = m as DebugProtocol.ProtocolMessage;
    received.push(msg);
    for (const w of [...waiters]) {
      if (w.match(msg)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(msg); }
    }
  });
  const waitFor = (match: (m: DebugProtocol.ProtocolMessage) => boolean): Promise<DebugProtocol.ProtocolMessage> => {
    const seen = received.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no such message in time')), TIMEOUT_MS);
      waiters.push({ match, resolve: (m) => { clearTimeout(timer); resolve(m); } });
    });
  };
  let seq = 1;
  const request = async (command: string, args?: unknown): Promise<DebugProtocol.Response> => {
    const mySeq = seq++;
    session.handleMessage({ seq: mySeq, type: 'request', command, arguments: args } as DebugProtocol.Request);
    const r = await waitFor((m) => m.type === 'response' && (m as DebugProtocol.Response).request_seq === mySeq) as DebugProtocol.Response;
    if (!r.success) throw new Error(r.message);
    return r;
  };
  const isEvent = (name: string) => (m: DebugProtocol.ProtocolMessage) => m.type === 'event' && (m as DebugProtocol.Event).event === name;

  await request('initialize', { adapterID: 'ckpt', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  const launched = request('launch', { program: basic });
  await waitFor(isEvent('initialized'));
  await request('setBreakpoints', { source: { path: sourceOf('basic.c') }, breakpoints: [{ line: lineOf('basic.c', 'SQUARE_BODY') }] });
  await request('configurationDone');
  await launched;
  const stopped = await waitFor(isEvent('stopped')) as DebugProtocol.StoppedEvent;
  const trace = await request('stackTrace', { threadId: stopped.body.threadId }) as DebugProtocol.StackTraceResponse;
  assert.equal(trace.body.stackFrames[0].name, 'square');
  await request('disconnect', {});
});
