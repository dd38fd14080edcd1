/**
 * Scopes, variables and expression values of one stop, on gdb's variable
 * objects. References handed to the client are valid until the program moves
 * (`reset`); the varobjs created for them are deleted then.
 */
import { Handles, Scope } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import type { ThreadFrame, VarObject } from '../gdb/gdbCommands';
import { errorMessage } from '../engine';

type VarRef =
  | { kind: 'scope'; scope: 'locals' | 'args' | 'registers'; at: ThreadFrame }
  | { kind: 'varobj'; varobj: string; at?: ThreadFrame; evaluateName?: string; type?: string };

const MAX_VALUE_LENGTH = 4096;

export class VariableStore {
  private refs = new Handles<VarRef>();
  /** What each reference showed, and the varobj behind each name (for setVariable). */
  private readonly cache = new Map<number, { vars: DebugProtocol.Variable[]; varobjs: Map<string, string> }>();
  private varobjs: string[] = [];
  private registerNames?: string[];

  /** `gdb()` returns gdb when the program is stopped, and throws otherwise. */
  constructor(private readonly gdb: () => MiConnection) {}

  /** The program moved: every reference and varobj of the last stop goes. */
  reset(): void {
    this.refs.reset();
    this.cache.clear();
    const stale = this.varobjs;
    this.varobjs = [];
    if (stale.length === 0) return;
    let gdb: MiConnection;
    try {
      gdb = this.gdb();
    } catch {
      return; // gdb is gone or the program runs: gdb drops them itself with the frames
    }
    for (const name of stale) mi.varDelete(gdb, name).catch(() => undefined);
  }

  scopes(at: ThreadFrame): DebugProtocol.Scope[] {
    const scope = (name: string, kind: 'locals' | 'args' | 'registers', expensive: boolean, hint: string): DebugProtocol.Scope => {
      const s = new Scope(name, this.refs.create({ kind: 'scope', scope: kind, at }), expensive) as DebugProtocol.Scope;
      s.presentationHint = hint;
      return s;
    };
    return [
      scope('Locals', 'locals', false, 'locals'),
      scope('Arguments', 'args', false, 'arguments'),
      scope('Registers', 'registers', true, 'registers'),
    ];
  }

  async variables(reference: number): Promise<DebugProtocol.Variable[]> {
    const cached = this.cache.get(reference);
    if (cached) return cached.vars;
    const ref = this.refs.get(reference);
    if (!ref) throw new Error('These variables are no longer valid: the program ran since.');
    const varobjs = new Map<string, string>();
    const vars = await this.load(ref, varobjs);
    this.cache.set(reference, { vars, varobjs });
    return vars;
  }

  async setVariable(reference: number, name: string, value: string): Promise<string> {
    const varobj = this.cache.get(reference)?.varobjs.get(name);
    if (!varobj) throw new Error(`'${name}' cannot be changed here.`);
    const result = await mi.varAssign(this.gdb(), varobj, value);
    // Values elsewhere (parents, summaries) may have changed: what was shown is dropped.
    this.cache.clear();
    return result;
  }

  /** The expression and frame of variable `name` as shown under `reference` (for a data breakpoint). */
  expressionOf(reference: number, name: string): { expression: string; at?: ThreadFrame } | undefined {
    const shown = this.cache.get(reference)?.vars.find((v) => v.name === name);
    const ref = this.refs.get(reference);
    if (!shown?.evaluateName || !ref) return undefined;
    return { expression: shown.evaluateName, at: ref.at };
  }

  /** The value of an expression in a frame, expandable when it is a struct, array or pointer. */
  async evaluate(expression: string, at?: ThreadFrame): Promise<{ result: string; type?: string; variablesReference: number; memoryReference?: string }> {
    let vo: VarObject;
    try {
      vo = await this.createVarobj(expression, at);
    } catch {
      // Varobjs only say "unable to create variable object": let gdb say why.
      return { result: await mi.dataEvaluateExpression(this.gdb(), expression, at), variablesReference: 0 };
    }
    const v = await this.toVariable(expression, vo, at, expression);
    return { result: v.value, type: v.type, variablesReference: v.variablesReference, memoryReference: v.memoryReference };
  }

  private async load(ref: VarRef, varobjs: Map<string, string>): Promise<DebugProtocol.Variable[]> {
    const gdb = this.gdb();
    if (ref.kind === 'scope' && ref.scope === 'registers') return this.loadRegisters(ref.at);
    if (ref.kind === 'scope') {
      const all = await mi.stackListVariables(gdb, ref.at);
      const wanted = all.filter((v) => v.isArg === (ref.scope === 'args'));
      const out: DebugProtocol.Variable[] = [];
      for (const v of wanted) {
        try {
          const vo = await this.createVarobj(v.name, ref.at);
          varobjs.set(v.name, vo.name);
          out.push(await this.toVariable(v.name, vo, ref.at, v.name));
        } catch (err) {
          out.push({ name: v.name, value: `<${errorMessage(err)}>`, type: v.type, variablesReference: 0 });
        }
      }
      return out;
    }
    const children = await this.listChildren(ref.varobj);
    const out: DebugProtocol.Variable[] = [];
    for (const child of children) {
      const name = /^\d+$/.test(child.exp) ? `[${child.exp}]` : child.exp;
      varobjs.set(name, child.name);
      let evaluateName: string | undefined;
      if (ref.evaluateName) {
        if (/^\d+$/.test(child.exp)) evaluateName = `${ref.evaluateName}[${child.exp}]`;
        else if (child.exp.startsWith('*')) evaluateName = `*(${ref.evaluateName})`;
        // gdb shows a pointer to a struct with the struct's fields as its children.
        else if (ref.type?.trim().endsWith('*')) evaluateName = `(${ref.evaluateName})->${child.exp}`;
        else evaluateName = `(${ref.evaluateName}).${child.exp}`;
      }
      out.push(await this.toVariable(name, child, ref.at, evaluateName, false));
    }
    return out;
  }

  /** Children, with C++ access-specifier pseudo-children (public/private) flattened away. */
  private async listChildren(varobj: string): Promise<VarObject[]> {
    const children = await mi.varListChildren(this.gdb(), varobj);
    const out: VarObject[] = [];
    for (const c of children) {
      if (!c.type && (c.exp === 'public' || c.exp === 'private' || c.exp === 'protected')) {
        out.push(...await this.listChildren(c.name));
      } else out.push(c);
    }
    return out;
  }

  private async createVarobj(expression: string, at?: ThreadFrame): Promise<VarObject> {
    const vo = await mi.varCreate(this.gdb(), expression, at);
    this.varobjs.push(vo.name);
    return vo;
  }

  private async toVariable(name: string, vo: VarObject, at: ThreadFrame | undefined, evaluateName?: string, summarize = true): Promise<DebugProtocol.Variable> {
    let value = vo.value ?? '';
    // Structs and arrays show as "{...}" / "[4]" in a varobj: show their contents instead.
    if (summarize && evaluateName && vo.numchild > 0 && (value === '{...}' || /^\[\d+\]$/.test(value))) {
      try {
        value = await mi.dataEvaluateExpression(this.gdb(), evaluateName, at);
      } catch { /* keep gdb's short form */ }
    }
    if (value.length > MAX_VALUE_LENGTH) value = value.slice(0, MAX_VALUE_LENGTH) + '…';
    const variable: DebugProtocol.Variable = {
      name,
      value,
      type: vo.type,
      variablesReference: vo.numchild > 0 || vo.dynamic
        ? this.refs.create({ kind: 'varobj', varobj: vo.name, at, evaluateName, type: vo.type })
        : 0,
    };
    if (evaluateName) variable.evaluateName = evaluateName;
    // A pointer's value is an address: the client can show the memory there.
    const pointer = /^(?:\([^)]*\*\)\s*)?(0x[0-9a-f]+)/.exec(value);
    if (pointer && vo.type?.trim().endsWith('*')) variable.memoryReference = pointer[1];
    return variable;
  }

  private async loadRegisters(at: ThreadFrame): Promise<DebugProtocol.Variable[]> {
    const gdb = this.gdb();
    if (!this.registerNames) this.registerNames = await mi.dataListRegisterNames(gdb);
    const names = this.registerNames;
    const values = await mi.dataListRegisterValues(gdb, at, 'x');
    // Vector registers print as unions of every lane layout: too much for a list.
    return values
      .filter((v) => names[v.number] && !v.value.startsWith('{'))
      .map((v) => ({ name: names[v.number], value: v.value, variablesReference: 0, evaluateName: `$${names[v.number]}` }));
  }
}
