/**
 * `${command:ckpt.pickComputation}`: the attach configuration's `snapshotDir`
 * chosen from this user's running computations (program, PID, folder), as
 * CodeLLDB and the C/C++ extension pick a process to attach to.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RunningComputation, runningComputations } from './runningComputations';

interface ComputationItem extends vscode.QuickPickItem { computation: RunningComputation }

export function computationItem(c: RunningComputation): ComputationItem {
  return {
    label: path.basename(c.program),
    description: `PID ${c.pid}${c.debugged ? ' · being debugged' : ''}`,
    detail: `${c.dir}  ·  ${[c.program, ...c.args].join(' ')}`,
    computation: c,
  };
}

/** The chosen computation's directory; undefined (which cancels the launch) when none is chosen. */
export async function pickComputation(): Promise<string | undefined> {
  const running = runningComputations();
  if (running.length === 0) {
    void vscode.window.showErrorMessage('Checkpoint Debugger: no computation of yours is running. Start one with `ckpt launch --dir DIR -- PROGRAM`.');
    return undefined;
  }
  const chosen = await vscode.window.showQuickPick(running.map(computationItem), {
    title: 'Attach to a computation',
    placeHolder: 'A program started by `ckpt launch`',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return chosen?.computation.dir;
}
