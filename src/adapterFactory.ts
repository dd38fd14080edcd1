/**
 * Runs the debug adapter: in this extension host when the adapter offers an in-process
 * entry (the bundle out/dist/inProcess.js), else as a node child speaking DAP on stdio
 * (the bundle out/dist/debugAdapter.js). Both are made by `npm run bundle`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

/** What adapter/inProcess.ts exports, looked up at run time (it may not be built). */
interface InProcessModule {
  createInProcessSession?: () => vscode.DebugAdapter;
  killAllInProcessSessions?: () => void;
}

export class AdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  /** Set once an in-process session was made, so dispose() can end its programs. */
  private inProcess: InProcessModule | undefined;

  constructor(private readonly extensionPath: string) {}

  /** Ends the programs and gdb of in-process sessions (stdio adapters end with their process). */
  dispose(): void {
    this.inProcess?.killAllInProcessSessions?.();
  }

  get stdioEntry(): string {
    return path.join(this.extensionPath, 'out', 'dist', 'debugAdapter.js');
  }

  get inProcessEntry(): string {
    return path.join(this.extensionPath, 'out', 'dist', 'inProcess.js');
  }

  createDebugAdapterDescriptor(): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    const useInline = vscode.workspace.getConfiguration('ckpt').get<boolean>('adapter.inProcess', false);
    if (useInline && fs.existsSync(this.inProcessEntry)) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(this.inProcessEntry) as InProcessModule;
      if (typeof mod.createInProcessSession === 'function') {
        this.inProcess = mod;
        return new vscode.DebugAdapterInlineImplementation(mod.createInProcessSession());
      }
    }
    if (!fs.existsSync(this.stdioEntry)) {
      throw new Error(`the debug adapter is missing (${this.stdioEntry}); build the extension with "npm run build"`);
    }
    // The extension host of VS Code desktop is Electron, which runs scripts as node
    // only when told; code-server's is node itself.
    const electron = Boolean(process.versions.electron);
    return new vscode.DebugAdapterExecutable(electron ? 'node' : process.execPath, [this.stdioEntry]);
  }
}
