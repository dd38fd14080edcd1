/**
 * Find Last Change in VS Code: on a row of the Variables or Watch view (the
 * row's expression), or from the palette (asks for one). The adapter does the
 * search (`ckpt/findLastChange`) and stops the program at the change; its own
 * progress, cancellable, shows meanwhile. Written against a narrow UI so that
 * it runs without VS Code in the unit tests; extension.ts gives it the real one.
 */
import type * as vscode from 'vscode';
import type { FindLastChangeArgs, FindLastChangeResult } from '../adapter/protocol';
import { TravelRequests } from './ids';
import { errorMessage } from './errorMessage';

export interface LastChangeUi {
  /** The expression typed by the user (undefined: they gave up). */
  askExpression(): Thenable<string | undefined>;
  /** The frame selected in the Call Stack view, if a frame is. */
  selectedFrameId(): number | undefined;
  showInfo(text: string): void;
  showError(text: string): void;
}

type Session = Pick<vscode.DebugSession, 'customRequest'>;

/**
 * The expression a menu row stands for: the Variables view passes
 * `{ variable: { name, evaluateName } }`, the Watch view the expression's
 * row (`{ name }` or `{ expression }`); a string is the expression itself.
 */
export function expressionOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg.trim() || undefined;
  if (!arg || typeof arg !== 'object') return undefined;
  const row = arg as { variable?: unknown; evaluateName?: unknown; expression?: unknown; name?: unknown };
  if (row.variable && typeof row.variable === 'object') return expressionOf(row.variable);
  for (const v of [row.evaluateName, row.expression, row.name]) if (typeof v === 'string' && v.trim() !== '') return v.trim();
  return undefined;
}

/** Runs Find Last Change on `session` for the row `arg` (or an expression asked for). */
export async function findLastChange(session: Session | undefined, arg: unknown, ui: LastChangeUi): Promise<FindLastChangeResult | undefined> {
  if (!session) {
    ui.showError('Checkpoint Debugger: no checkpoint debug session is running. Start one with F5 first.');
    return undefined;
  }
  const expression = expressionOf(arg) ?? expressionOf(await ui.askExpression());
  if (!expression) return undefined;
  const args: FindLastChangeArgs = { expression };
  // A row's expression is the selected frame's (the Variables view shows that frame).
  const frameId = ui.selectedFrameId();
  if (frameId !== undefined) args.frameId = frameId;
  try {
    const result = await session.customRequest(TravelRequests.findLastChange, args) as FindLastChangeResult;
    ui.showInfo(`Last change: ${result.description}`);
    return result;
  } catch (err) {
    ui.showError(`Checkpoint Debugger: Find Last Change: ${errorMessage(err)}`);
    return undefined;
  }
}
