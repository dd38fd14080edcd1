/**
 * Launch configurations for `ckpt`: the initial ones written into a new launch.json, a
 * dynamic one that debugs the program built from the active C/C++ file, and F5 without
 * a launch.json doing the same. A configuration with `build` compiles that source with
 * `gcc -g -O0` into `program` before the adapter sees it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CkptLaunchArguments } from '../adapter/protocol';
import { buildProgram, isBuildableSource, programFor } from './cBuild';
import { errorMessage } from './errorMessage';
import { Commands, DEBUG_TYPE } from './ids';

/** An attach configuration's `snapshotDir` picked from the running computations, as CodeLLDB picks a process. */
export const PICK_COMPUTATION = `\${command:${Commands.pickComputation}}`;

/** What a launch configuration may hold beyond the adapter's arguments. */
export interface CkptLaunchConfiguration extends vscode.DebugConfiguration, Partial<CkptLaunchArguments> {
  /** A C/C++ source file the extension compiles into `program` before launching. */
  build?: string;
}

function activeSource(): vscode.TextDocument | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  return doc && doc.uri.scheme === 'file' && isBuildableSource(doc.uri.fsPath) ? doc : undefined;
}

export function buildAndDebugConfiguration(source: string): CkptLaunchConfiguration {
  return {
    type: DEBUG_TYPE,
    request: 'launch',
    name: `Checkpoint: build and debug ${path.basename(source)}`,
    build: source,
    program: programFor(source),
    cwd: path.dirname(source),
    stopOnEntry: false,
  };
}

export class InitialConfigurations implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [
      {
        type: DEBUG_TYPE,
        request: 'launch',
        name: 'Checkpoint: launch',
        program: '${workspaceFolder}/${fileBasenameNoExtension}',
        build: '${file}',
        cwd: '${workspaceFolder}',
        stopOnEntry: false,
      },
      {
        type: DEBUG_TYPE,
        request: 'attach',
        name: 'Checkpoint: attach',
        snapshotDir: PICK_COMPUTATION,
      },
    ];
  }
}

export class DynamicConfigurations implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    const doc = activeSource();
    return doc ? [buildAndDebugConfiguration(doc.uri.fsPath)] : [];
  }
}

export class ConfigurationResolver implements vscode.DebugConfigurationProvider {
  resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined {
    // F5 with no launch.json: debug the active C/C++ file.
    if (!config.type && !config.request && !config.name) {
      const doc = activeSource();
      if (!doc) {
        void vscode.window.showErrorMessage('Checkpoint Debugger: open a C or C++ file to debug, or add a "ckpt" configuration to launch.json.');
        return undefined;
      }
      return buildAndDebugConfiguration(doc.uri.fsPath);
    }
    return config;
  }

  async resolveDebugConfigurationWithSubstitutedVariables(
    _folder: vscode.WorkspaceFolder | undefined,
    config: CkptLaunchConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    if (config.request === 'launch') {
      if (config.build) {
        const source = config.build;
        try {
          await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Window, title: `Building ${path.basename(source)}` },
            async () => {
              const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === source);
              if (doc?.isDirty) await doc.save();
              const result = await buildProgram(source, config.program ?? programFor(source));
              config.program = result.program;
            },
          );
        } catch (e) {
          void vscode.window.showErrorMessage(`Checkpoint Debugger: ${errorMessage(e)}`);
          return undefined;
        }
        delete config.build;
      }
      if (typeof config.program !== 'string' || config.program.trim() === '') {
        void vscode.window.showErrorMessage('Checkpoint Debugger: the launch configuration needs "program": the path of the program to debug.');
        return undefined;
      }
    } else if (config.request === 'attach') {
      if (typeof config.snapshotDir !== 'string' || config.snapshotDir.trim() === '') {
        void vscode.window.showErrorMessage(`Checkpoint Debugger: an attach configuration needs "snapshotDir": the directory of a computation started by \`ckpt launch\`, or "${PICK_COMPUTATION}" to pick a running one.`);
        return undefined;
      }
    } else {
      void vscode.window.showErrorMessage(`Checkpoint Debugger: "request" must be "launch" or "attach", not "${String(config.request)}".`);
      return undefined;
    }
    return config;
  }
}
