/**
 * `npm start`: serves a real VS Code (code-server) on 127.0.0.1 with the extension
 * installed from a freshly packed .vsix and test/workspace open, ready for F5.
 * PORT in the environment picks the port; Ctrl+C stops it and removes its scratch dirs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageVsix, requireE2eTooling, SetupError, startCodeServer, WORKSPACE } from './codeServer';

async function main(): Promise<void> {
  requireE2eTooling();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-vscode-'));
  const vsix = packageVsix(path.join(scratch, 'checkpoint-debugger.vsix'));
  const port = process.env.PORT ? Number(process.env.PORT) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new SetupError(`PORT must be a TCP port number, not "${process.env.PORT}"`);
  }
  const server = await startCodeServer({ folder: WORKSPACE, vsix, port, scratch });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  server.process.on('exit', (code) => {
    if (!stopping) {
      console.error(`code-server ended (exit ${code}):\n${server.log().slice(-2000)}`);
      fs.rmSync(scratch, { recursive: true, force: true });
      process.exit(1);
    }
  });
  console.log(`Checkpoint Debugger in VS Code: ${server.url}`);
  console.log(`(test/workspace is open; press F5 there. Ctrl+C here stops the server.)`);
}

main().catch((e: unknown) => {
  console.error(`npm start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
