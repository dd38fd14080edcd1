import { diffSnapshots, type FileListDiff, type SnapshotDiff } from '../../engine/snapshotDiff';
import { SnapshotStore } from '../../engine/snapshotStore';
import { computationDir, parseArgs } from '../argParser';
import { COMMAND_SPECS } from '../commandSpecs';
import { out } from '../cliOutput';
import { withProgress } from '../progress';
import { resolveSnapshotId } from '../resolveSnapshot';

/**
 * `ckpt diff A B`: what changed from snapshot A to snapshot B (memory, threads,
 * processes, descriptors, the program's saved and checked files). `--json` prints
 * SnapshotDiff, the total of changed pages as `changedPages`.
 */
export async function diffCommand(argv: string[]): Promise<number> {
  const args = parseArgs(COMMAND_SPECS.diff, argv);
  const store = new SnapshotStore(computationDir(args));
  const from = resolveSnapshotId(store, args.positionals[0]);
  const to = resolveSnapshotId(store, args.positionals[1]);
  const diff = await withProgress(`comparing snapshots ${from} and ${to}`, diffSnapshots(store, from, to), {
    quiet: args.flags.has('json'),
  });
  out(args.flags.has('json') ? JSON.stringify(diff, null, 2) + '\n' : diffText(diff));
  return 0;
}

function diffText(d: SnapshotDiff): string {
  const lines = [`snapshot ${d.from} -> ${d.to}: ${d.changedPages} pages changed`];
  for (const v of d.processesAdded) lines.push(`process ${v}: added`);
  for (const v of d.processesRemoved) lines.push(`process ${v}: removed`);
  for (const p of d.processes) {
    lines.push(`process ${p.vpid}: ${p.changedPages} pages changed`);
    for (const r of p.regions.filter((g) => g.changedPages)) {
      lines.push(`  ${r.start}-${r.end} ${r.kind.padEnd(11)} ${r.changedPages}/${r.pages} pages changed ${r.path}`.trimEnd());
    }
    for (const r of p.added) lines.push(`  ${r.start}-${r.end} ${r.kind.padEnd(11)} added ${r.path}`.trimEnd());
    for (const r of p.removed) lines.push(`  ${r.start}-${r.end} ${r.kind.padEnd(11)} removed ${r.path}`.trimEnd());
    for (const t of p.threads.added) lines.push(`  thread ${t.vtid} (${t.name}) added`);
    for (const t of p.threads.removed) lines.push(`  thread ${t.vtid} (${t.name}) removed`);
    for (const f of p.fds.added) lines.push(`  fd ${f.fd} added: ${f.kind} ${f.path}`);
    for (const f of p.fds.removed) lines.push(`  fd ${f.fd} removed: ${f.kind} ${f.path}`);
    for (const c of p.fds.changed) lines.push(`  fd ${c.after.fd} changed: ${c.before.path} -> ${c.after.path}`);
    lines.push(...fileLines('file', p.files), ...fileLines('checked file', p.files.checked));
  }
  return lines.join('\n') + '\n';
}

/** Saved files (`file`) or files only checked, one line each. */
function fileLines(what: string, f: FileListDiff): string[] {
  return [
    ...f.added.map((path) => `  ${what} added: ${path}`),
    ...f.removed.map((path) => `  ${what} removed: ${path}`),
    ...f.changed.map((c) => `  ${what} changed: ${c.path} (${c.sizeBefore} -> ${c.sizeAfter} bytes)`),
  ];
}
