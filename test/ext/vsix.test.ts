/**
 * The .vsix made by @vscode/vsce holds the built extension, the adapter, the native
 * engine, the icons and the adapter's runtime dependencies, and nothing else.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';

const root = path.resolve(__dirname, '../../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-vsix-'));
const vsix = path.join(dir, 'checkpoint-debugger.vsix');
let entries: string[] = [];

/** The names in a zip file's central directory (a .vsix is a zip). */
function zipEntries(file: string): string[] {
  const buf = fs.readFileSync(file);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${i}`);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    names.push(buf.toString('utf8', at + 46, at + 46 + nameLen));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

function filesUnder(d: string, re: RegExp): string[] {
  if (!fs.existsSync(path.join(root, d))) return [];
  return (fs.readdirSync(path.join(root, d), { recursive: true }) as string[])
    .map((f) => path.posix.join(d, f.split(path.sep).join('/')))
    .filter((f) => re.test(f) && fs.statSync(path.join(root, f)).isFile());
}

/** The packages the extension needs at run time: the lockfile's non-dev packages. */
function runtimePackages(): Set<string> {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const names = new Set<string>();
  for (const [key, info] of Object.entries(lock.packages as Record<string, { dev?: boolean; devOptional?: boolean }>)) {
    if (!key.startsWith('node_modules/') || info.dev || info.devOptional) continue;
    names.add(key.slice('node_modules/'.length));
  }
  return names;
}

before(() => {
  const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  execFileSync(process.execPath, [vsce, 'package', '--allow-missing-repository', '--skip-license', '--out', vsix], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
  });
  entries = zipEntries(vsix);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the .vsix holds every built extension, adapter and native file', () => {
  const must = [
    'extension/package.json',
    'extension/out/src/extension.js',
    ...filesUnder('out/src', /\.js$/).map((f) => `extension/${f}`),
    ...filesUnder('out/adapter', /\.js$/).map((f) => `extension/${f}`),
    ...['libckpt.so', 'ckpt-restore', 'ckpt-inspect'].filter((f) => fs.existsSync(path.join(root, 'native/build', f)))
      .map((f) => `extension/native/build/${f}`),
    ...filesUnder('media', /\.svg$/).map((f) => `extension/${f}`),
  ];
  const missing = must.filter((m) => !entries.includes(m));
  assert.deepEqual(missing, []);
  assert.ok(entries.includes('extension/node_modules/@vscode/debugadapter/package.json'), 'the adapter\'s DAP library');
});

test('every runtime dependency can load from the .vsix: its entry file and native addons are there', () => {
  const runtime = [...runtimePackages()].filter((name) => fs.existsSync(path.join(root, 'node_modules', name, 'package.json')));
  assert.ok(runtime.includes('@vscode/debugadapter'));
  const missing: string[] = [];
  for (const name of runtime) {
    const dir = path.join(root, 'node_modules', name);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    if (pkg.main || !pkg.exports) {
      let main = path.posix.normalize(pkg.main ?? 'index.js');
      if (!main.endsWith('.js') && !main.endsWith('.json') && !main.endsWith('.node')) main = fs.existsSync(path.join(dir, `${main}.js`)) ? `${main}.js` : `${main}/index.js`;
      if (!entries.includes(`extension/node_modules/${name}/${main}`)) missing.push(`${name}/${main}`);
    }
    for (const f of (fs.readdirSync(dir, { recursive: true }) as string[])) {
      if (!f.endsWith('.node') || f.split(path.sep).includes('node_modules')) continue;
      const entry = `extension/node_modules/${name}/${f.split(path.sep).join('/')}`;
      // Prebuilt addons for other systems stay out: the engine runs on Linux x86_64 only.
      const foreign = /(^|\/)prebuilds\//.test(entry) && !entry.includes(`/prebuilds/${process.platform}-${process.arch}/`);
      if (foreign) assert.ok(!entries.includes(entry), `${entry} is for another system`);
      else if (!entries.includes(entry)) missing.push(`${name}/${f}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('the .vsix holds nothing else: no sources, tests, maps, tools or dev dependencies', () => {
  const runtime = runtimePackages();
  const allowed = (e: string): boolean => {
    if (['[Content_Types].xml', 'extension.vsixmanifest', 'extension/package.json', 'extension/readme.md'].includes(e)) return true;
    // vsce adds a license or changelog of the project's own when there is one.
    if (/^extension\/(license|changelog)(\.md|\.txt)?$/i.test(e)) return true;
    if (/^extension\/out\/(src|adapter)\/.+\.js$/.test(e)) return true;
    if (/^extension\/native\/build\/(libckpt\.so|ckpt-restore|ckpt-inspect)$/.test(e)) return true;
    if (/^extension\/media\/[\w-]+\.svg$/.test(e)) return true;
    const m = /^extension\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(e);
    if (m === null || !runtime.has(m[1])) return false;
    if (/\/prebuilds\//.test(e) && !e.includes(`/prebuilds/${process.platform}-${process.arch}/`)) return false;
    return /\/(license|licence)[^/]*$/i.test(e) || !/\.(ts|map|md)$/.test(e);
  };
  const extra = entries.filter((e) => !allowed(e));
  assert.deepEqual(extra, []);
  assert.ok(!entries.some((e) => e.startsWith('extension/out/test/')), 'no tests');
  assert.ok(!entries.some((e) => e.startsWith('extension/test/')), 'no test workspace or tooling');
});
