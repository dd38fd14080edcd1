/**
 * Starts a real VS Code (code-server from test/e2e/node_modules) fully offline and
 * isolated from the user's home: its own user-data, extensions and XDG dirs in a
 * scratch folder, the extension installed from a .vsix, a folder opened.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository root, from out/test/e2e/ or test/e2e/. */
export const REPO_ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}out${path.sep}`) ? '../../..' : '../..');
export const E2E_MODULES = path.join(REPO_ROOT, 'test', 'e2e', 'node_modules');
export const CODE_SERVER_ENTRY = path.join(E2E_MODULES, 'code-server', 'out', 'node', 'entry.js');
export const WORKSPACE = path.join(REPO_ROOT, 'test', 'workspace');
export const ARTIFACTS = path.join(REPO_ROOT, 'test', 'e2e', 'artifacts');
export const EXTENSION_ID = 'checkpoint-debugger.checkpoint-debugger';

export class SetupError extends Error {}

/**
 * A private copy of test/workspace for one test run: runs started at the same time on
 * a shared machine must not share the program, its journal or its snapshot directory.
 */
export function copyWorkspace(): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-ws-')), 'workspace');
  fs.cpSync(WORKSPACE, dir, {
    recursive: true,
    filter: (src) => !['journal', 'journal.log', 'pages', '.ckpt'].includes(path.basename(src)) || path.dirname(src) !== WORKSPACE,
  });
  return dir;
}

/** Removes a copy made by copyWorkspace. */
export function removeWorkspaceCopy(dir: string): void {
  if (path.basename(dir) !== 'workspace' || !path.basename(path.dirname(dir)).startsWith('ckpt-ws-')) {
    throw new Error(`${dir} is not a workspace copy`);
  }
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
}

/** Fails with the command that fixes it when the test tooling is not installed. */
export function requireE2eTooling(): void {
  const missing: string[] = [];
  if (!fs.existsSync(CODE_SERVER_ENTRY)) missing.push('code-server (test/e2e/node_modules)');
  if (!fs.existsSync(path.join(E2E_MODULES, 'playwright-core'))) missing.push('playwright-core (test/e2e/node_modules)');
  if (!fs.existsSync('/usr/bin/chromium')) missing.push('/usr/bin/chromium');
  if (missing.length > 0) {
    throw new SetupError(`missing ${missing.join(', ')}: run "bash test/setup/install-e2e.sh" first`);
  }
}

export const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'window.restoreWindows': 'none',
  'files.hotExit': 'off',
  'debug.console.closeOnEnd': false,
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Packs the extension into a .vsix with @vscode/vsce (the build must be done; the bundles carry the dependencies). */
export function packageVsix(out: string): string {
  const vsce = path.join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', out], {
    cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out;
}

export interface CodeServerOptions {
  /** The folder to open. */
  folder: string;
  /** A .vsix to install before starting. */
  vsix?: string;
  port?: number;
  /** Kept after stop() when set (for `npm start`, which prints it). */
  scratch?: string;
  extraSettings?: Record<string, unknown>;
  /** Added to code-server's environment (its extension host inherits it). */
  env?: Record<string, string>;
}

export interface CodeServer {
  port: number;
  /** http://127.0.0.1:PORT/ */
  base: string;
  /** The workbench with the folder open. */
  url: string;
  scratch: string;
  userDataDir: string;
  extensionsDir: string;
  process: ChildProcess;
  /** What code-server printed so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

function isolatedEnv(scratch: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  env.XDG_CONFIG_HOME = path.join(scratch, 'xdg-config');
  env.XDG_DATA_HOME = path.join(scratch, 'xdg-data');
  env.XDG_CACHE_HOME = path.join(scratch, 'xdg-cache');
  // code-server would read a password and settings from these otherwise.
  delete env.PASSWORD;
  delete env.HASHED_PASSWORD;
  delete env.VSCODE_IPC_HOOK_CLI;
  return env;
}

function get(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => { req.destroy(); resolve(0); });
  });
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  requireE2eTooling();
  const scratch = opts.scratch ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-vscode-'));
  const userDataDir = path.join(scratch, 'user-data');
  const extensionsDir = path.join(scratch, 'extensions');
  for (const d of [userDataDir, extensionsDir, path.join(userDataDir, 'User'), path.join(scratch, 'xdg-config'), path.join(scratch, 'xdg-data')]) {
    fs.mkdirSync(d, { recursive: true, mode: 0o700 });
  }
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...USER_SETTINGS, ...opts.extraSettings }, null, 2));
  const env = { ...isolatedEnv(scratch), ...opts.env };
  const common = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  if (opts.vsix) {
    execFileSync(process.execPath, [CODE_SERVER_ENTRY, ...common, '--install-extension', opts.vsix, '--force'], {
      env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000,
    });
  }
  const port = opts.port ?? await freePort();
  const child = spawn(process.execPath, [
    CODE_SERVER_ENTRY,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    ...common,
    opts.folder,
  ], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  let exited = false;
  child.on('exit', () => { exited = true; });

  const stop = async (): Promise<void> => {
    if (!exited && child.pid) {
      // code-server runs the extension host and the debug adapter as its children:
      // end the whole process group it leads.
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
      const deadline = Date.now() + 5000;
      while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (!exited) { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }
    }
    if (!opts.scratch) fs.rmSync(scratch, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 60_000;
  while ((await get(`${base}healthz`, 2000)) !== 200) {
    if (exited) throw new Error(`code-server exited while starting:\n${output.slice(-2000)}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${base}healthz within 60 s:\n${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port, base, scratch, userDataDir, extensionsDir, process: child,
    url: `${base}?folder=${encodeURIComponent(opts.folder)}`,
    log: () => output,
    stop,
  };
}
