/**
 * The .vsix made by @vscode/vsce holds the bundles of the extension, the debug adapter
 * and the `ckpt` CLI, the native engine and the icons, and nothing else; vsce has no
 * "bundle your extension" warning for it. Unpacked where no node_modules can be found,
 * the bundles run on their own: the CLI saves a snapshot of a running program with the
 * engine from the package, and the adapter answers `initialize`.
 */
import assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { extractZip, zipEntries } from './zipFile';

const root = path.resolve(__dirname, '../../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-vsix-'));
const vsix = path.join(dir, 'checkpoint-debugger.vsix');
/** The package unpacked in a temporary folder, with no node_modules above it. */
const unpacked = path.join(dir, 'unpacked', 'extension');
const BUNDLES = ['extension.js', 'debugAdapter.js', 'inProcess.js', 'ckpt.js', 'timelineWebview.js'];
const NATIVE = ['libckpt.so', 'ckpt-restore', 'ckpt-restore-alt', 'ckpt-inspect', 'ckpt-rsh'];
let entries: string[] = [];
let vsceOutput = '';
const children: ChildProcess[] = [];

function filesUnder(d: string, re: RegExp): string[] {
  if (!fs.existsSync(path.join(root, d))) return [];
  return (fs.readdirSync(path.join(root, d), { recursive: true }) as string[])
    .map((f) => path.posix.join(d, f.split(path.sep).join('/')))
    .filter((f) => re.test(f) && fs.statSync(path.join(root, f)).isFile());
}

before(() => {
  const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  vsceOutput = execFileSync(process.execPath,
    [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', vsix], {
      cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8',
    });
  entries = zipEntries(vsix).map((e) => e.name);
  extractZip(vsix, path.dirname(unpacked));
});
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the .vsix holds the bundles, the native engine and the icons', () => {
  const must = [
    'extension/package.json',
    ...BUNDLES.map((f) => `extension/out/dist/${f}`),
    ...NATIVE.filter((f) => fs.existsSync(path.join(root, 'native/build', f))).map((f) => `extension/native/build/${f}`),
    ...filesUnder('media', /\.(svg|css)$/).map((f) => `extension/${f}`),
  ];
  assert.deepEqual(must.filter((m) => !entries.includes(m)), []);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  assert.ok(entries.includes(`extension/${path.posix.normalize(pkg.main)}`), `the entry point ${pkg.main}`);
  assert.ok(entries.includes(`extension/${path.posix.normalize(pkg.bin.ckpt)}`), `the ckpt command ${pkg.bin.ckpt}`);
});

test('the .vsix holds nothing else: a handful of JavaScript files, no node_modules, sources, tests or maps', () => {
  const allowed = (e: string): boolean =>
    ['[Content_Types].xml', 'extension.vsixmanifest', 'extension/package.json', 'extension/readme.md'].includes(e) ||
    // vsce adds a license or changelog of the project's own when there is one.
    /^extension\/(license|changelog)(\.md|\.txt)?$/i.test(e) ||
    /^extension\/out\/dist\/\w+\.js$/.test(e) ||
    /^extension\/native\/build\/(libckpt\.so|ckpt-restore|ckpt-restore-alt|ckpt-inspect|ckpt-rsh)$/.test(e) ||
    /^extension\/media\/[\w-]+\.(svg|css)$/.test(e);
  assert.deepEqual(entries.filter((e) => !allowed(e)), []);
  const js = entries.filter((e) => e.endsWith('.js'));
  assert.ok(js.length <= 6, `a handful of JavaScript files: ${js.join(', ')}`);
  assert.ok(!entries.some((e) => e.includes('/node_modules/')), 'no node_modules');
});

test('vsce does not ask for the extension to be bundled', () => {
  assert.doesNotMatch(vsceOutput, /bundle your extension|JavaScript files/i, vsceOutput);
});

/** Runs the unpacked `ckpt`; resolves with its exit code and output. */
function ckpt(args: string[]): { code: number; out: string } {
  try {
    const out = execFileSync(process.execPath, [path.join(unpacked, 'out/dist/ckpt.js'), ...args], {
      cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000,
    });
    return { code: 0, out };
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    return { code: err.status ?? -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

test('the unpacked ckpt bundle saves a snapshot of a running program with the packaged engine', async () => {
  for (const f of NATIVE) {
    const mode = fs.statSync(path.join(unpacked, 'native/build', f)).mode;
    if (f !== 'libckpt.so') assert.ok(mode & 0o100, `${f} is executable in the package`);
  }
  const usage = ckpt(['--help']);
  assert.equal(usage.code, 0, usage.out);
  assert.match(usage.out, /ckpt launch/);
  const work = path.join(dir, 'ckpt');
  const launch = spawn(process.execPath, [path.join(unpacked, 'out/dist/ckpt.js'), 'launch', '--dir', work, '--',
    '/bin/sh', '-c', 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.1; done'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(launch);
  let out = '';
  launch.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  launch.stderr!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const deadline = Date.now() + 60_000;
  while (!/tick 2/.test(out)) {
    assert.ok(launch.exitCode === null, `ckpt launch ended early:\n${out}`);
    assert.ok(Date.now() < deadline, `no output from the launched program:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const saved = ckpt(['checkpoint', '--dir', work, '--label', 'from-vsix']);
  assert.equal(saved.code, 0, saved.out);
  const listed = ckpt(['list', '--dir', work, '--json']);
  assert.equal(listed.code, 0, listed.out);
  const list = JSON.parse(listed.out) as { label?: string; processes: number }[] | { snapshots: { label?: string; processes: number }[] };
  const snapshots = Array.isArray(list) ? list : list.snapshots;
  assert.equal(snapshots.length, 1, listed.out);
  assert.equal(snapshots[0].label, 'from-vsix');
  assert.ok(snapshots[0].processes >= 1);
  assert.equal(ckpt(['kill', '--dir', work]).code, 0);
});

test('the unpacked debug adapter bundle answers initialize', async () => {
  const adapter = spawn(process.execPath, [path.join(unpacked, 'out/dist/debugAdapter.js')], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(adapter);
  const body = JSON.stringify({ seq: 1, type: 'request', command: 'initialize', arguments: { adapterID: 'ckpt', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' } });
  adapter.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  let raw = '';
  adapter.stdout!.setEncoding('utf8').on('data', (d: string) => { raw += d; });
  let stderr = '';
  adapter.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  type Message = { type: string; command?: string; success?: boolean; body?: Record<string, unknown> };
  /** The messages read so far from the Content-Length framed stream. */
  const messages = (): Message[] => {
    const found: Message[] = [];
    let rest = raw;
    for (let m = /Content-Length: (\d+)\r\n\r\n/.exec(rest); m; m = /Content-Length: (\d+)\r\n\r\n/.exec(rest)) {
      const start = m.index + m[0].length;
      if (Buffer.byteLength(rest.slice(start)) < Number(m[1])) break;
      const text = Buffer.from(rest.slice(start)).subarray(0, Number(m[1])).toString();
      found.push(JSON.parse(text) as Message);
      rest = rest.slice(start + text.length);
    }
    return found;
  };
  const deadline = Date.now() + 30_000;
  let response: Message | undefined;
  while (!(response = messages().find((m) => m.type === 'response'))) {
    assert.ok(adapter.exitCode === null, `the adapter ended: ${stderr}`);
    assert.ok(Date.now() < deadline, `no answer to initialize: ${raw} ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(response.command, 'initialize');
  assert.equal(response.success, true);
  assert.equal(response.body?.supportsConfigurationDoneRequest, true);
  adapter.kill();
});
