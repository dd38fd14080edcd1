/**
 * The adapter's own requests (`ckpt/...`): snapshots, resources, and going
 * back to a moment found by watching memory. Each checks its arguments and
 * becomes one call on time travel or the engine; the DAP session answers
 * with what it returns.
 */
import type {
  DeleteSnapshotArgs, FindFirstArgs, FindLastChangeArgs, InspectSnapshotArgs, RenameSnapshotArgs, ResourcesArgs,
  RestoreSnapshotArgs, SaveSnapshotArgs,
} from '../protocol';
import { Requests, TravelRequests, ViewRequests } from '../protocol';
import { CkptError, diffSnapshots } from '../engine';
import type { ThreadFrame } from '../gdb/gdbCommands';
import type { Debuggee } from './debuggee';
import type { ProgressReporter } from './progressReporter';
import type { TimeTravel } from './timeTravel';
import { viewSnapshot } from './snapshotViewer';

export interface RequestContext {
  travel: TimeTravel;
  debuggee: Debuggee;
  progress: ProgressReporter;
  /** The frame a DAP frame id stands for (the thread shown's top frame without one). */
  frameOf(frameId: number | undefined): ThreadFrame | undefined;
}

export function requireString(v: unknown, name: string, allowEmpty = false): string {
  if (typeof v !== 'string' || (!allowEmpty && v === '')) throw new CkptError(`"${name}" must be a${allowEmpty ? '' : ' non-empty'} string`);
  return v;
}

function optionalFrame(v: unknown): number | undefined {
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v))) throw new CkptError('"frameId" must be a frame id (a whole number)');
  return v;
}

export async function ckptRequest(ctx: RequestContext, command: string, a: Record<string, unknown>): Promise<unknown> {
  const { travel, progress } = ctx;
  switch (command) {
    case Requests.saveSnapshot: {
      const { label } = a as SaveSnapshotArgs;
      if (label !== undefined) requireString(label, 'label', true);
      const snapshot = await progress.run('Saving a snapshot', () => travel.saveSnapshot(label), (s) => `Saved snapshot ${s.id}`);
      return { snapshot };
    }
    case Requests.restoreSnapshot: {
      const id = requireString((a as Partial<RestoreSnapshotArgs>).id, 'id');
      return progress.run(`Restoring snapshot ${id}`, () => travel.restoreAndList(id), () => `Restored snapshot ${id}`, true);
    }
    case Requests.listSnapshots:
      return travel.listSnapshots();
    case Requests.deleteSnapshot:
      return travel.deleteSnapshot(requireString((a as Partial<DeleteSnapshotArgs>).id, 'id'));
    case Requests.renameSnapshot: {
      const { id, label } = a as Partial<RenameSnapshotArgs>;
      return { snapshot: await travel.renameSnapshot(requireString(id, 'id'), requireString(label, 'label', true)) };
    }
    case Requests.resources: {
      const { snapshot } = a as ResourcesArgs;
      const gdbHoldsIt = (): boolean => ctx.debuggee.state === 'stopped' || ctx.debuggee.state === 'exited';
      return travel.computation.tables(snapshot === undefined ? undefined : requireString(snapshot, 'snapshot'), gdbHoldsIt, () => ctx.debuggee.livePids());
    }
    case ViewRequests.inspectSnapshot: {
      // Reads files only: it need not wait for a save or restore in progress.
      const id = requireString((a as Partial<InspectSnapshotArgs>).id, 'id');
      return viewSnapshot(travel.computation.store, id, { program: ctx.debuggee.program, gdbPath: ctx.debuggee.gdbPath });
    }
    case ViewRequests.diffSnapshots: // reads files only, like inspectSnapshot
      return diffSnapshots(travel.computation.store, requireString(a.from, 'from'), requireString(a.to, 'to'));
    case TravelRequests.findLastChange: {
      const { expression, frameId } = a as Partial<FindLastChangeArgs>;
      const text = requireString(expression, 'expression').trim();
      stoppedFor('Find Last Change', ctx.debuggee);
      const at = ctx.frameOf(optionalFrame(frameId));
      return progress.runCancellable(`Finding the last change of ${text}`, (p) => travel.findLastChange(text, at, p), (r) => r.description);
    }
    case TravelRequests.findFirst: {
      const { condition, frameId } = a as Partial<FindFirstArgs>;
      const text = requireString(condition, 'condition').trim();
      stoppedFor('Find First', ctx.debuggee);
      const at = ctx.frameOf(optionalFrame(frameId));
      return progress.runCancellable(`Finding when ${text} first held`, (p) => travel.findFirst(text, at, p), (r) => r.description);
    }
    default:
      throw new Error(`'${command}' is not a request of this debug adapter.`);
  }
}

function stoppedFor(what: string, debuggee: Debuggee): void {
  if (debuggee.state === 'running') throw new CkptError(`${what} needs the program stopped: pause it first.`);
  debuggee.requireStopped();
}
