/**
 * The page drawn by "Compare with…": each process's memory map of the later
 * snapshot, one bar per region, its length to scale with the region's pages
 * (the largest region is the full width), its colour by kind, and the pages
 * that changed marked on it. Static HTML, no script; every colour is a theme
 * variable. Pure, so that it is tested without VS Code.
 */
import type { ProcessDiff, RegionDiff, SnapshotDiff } from '../adapter/protocol';

const KIND_COLOURS: Record<string, string> = {
  heap: 'var(--vscode-charts-orange)',
  stack: 'var(--vscode-charts-purple)',
  anon: 'var(--vscode-charts-blue)',
  'shared-anon': 'var(--vscode-charts-blue)',
  file: 'var(--vscode-charts-green)',
  'shared-file': 'var(--vscode-charts-green)',
};
const OTHER_COLOUR = 'var(--vscode-charts-foreground)';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function regionRow(r: RegionDiff, maxPages: number, note: string): string {
  const width = Math.max(0.3, (100 * r.pages) / maxPages);
  const marks = (r.changed ?? []).map(([first, count]) =>
    `<span class="changed" style="left:${(100 * first) / r.pages}%;width:${(100 * count) / r.pages}%"></span>`).join('');
  const colour = KIND_COLOURS[r.kind] ?? OTHER_COLOUR;
  return `<tr class="region" data-start="${escapeHtml(r.start)}" data-changed="${r.changedPages ?? 0}">` +
    `<td class="range">${escapeHtml(r.start)}</td><td>${escapeHtml(r.kind)}</td>` +
    `<td class="count">${escapeHtml(note)}</td>` +
    `<td class="bar"><span class="region-bar" style="width:${width}%;background:${colour}">${marks}</span></td>` +
    `<td class="path">${escapeHtml(r.path)}</td></tr>`;
}

function processSection(p: ProcessDiff): string {
  const rows: [RegionDiff, string][] = [
    ...p.regions.map((r): [RegionDiff, string] => [r, `${r.changedPages ?? 0}/${r.pages}`]),
    ...p.added.map((r): [RegionDiff, string] => [r, `new, ${r.pages}`]),
  ].sort(([a], [b]) => (BigInt(a.start) < BigInt(b.start) ? -1 : 1));
  const maxPages = Math.max(1, ...rows.map(([r]) => r.pages));
  const removed = p.removed.map((r) => `<li>${escapeHtml(`${r.start}-${r.end} ${r.kind} ${r.path}`)}</li>`).join('');
  const threads = [...p.threads.added.map((t) => `thread ${t.vtid} (${t.name}) added`),
    ...p.threads.removed.map((t) => `thread ${t.vtid} (${t.name}) removed`)];
  const fds = [...p.fds.added.map((f) => `fd ${f.fd} added: ${f.kind} ${f.path}`),
    ...p.fds.removed.map((f) => `fd ${f.fd} removed: ${f.kind} ${f.path}`),
    ...p.fds.changed.map((c) => `fd ${c.after.fd} changed: ${c.before.path} → ${c.after.path}`)];
  return `<h2>Process ${p.vpid}: ${p.changedPages} pages changed</h2>` +
    `<table><tr><th>start</th><th>kind</th><th>changed/pages</th><th>map</th><th>path</th></tr>` +
    rows.map(([r, note]) => regionRow(r, maxPages, note)).join('') + '</table>' +
    (removed ? `<h3>Regions removed</h3><ul>${removed}</ul>` : '') +
    ([...threads, ...fds].length ? `<ul>${[...threads, ...fds].map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>` : '');
}

const STYLE = `body{color:var(--vscode-foreground);font-family:var(--vscode-font-family);font-size:var(--vscode-font-size)}
table{border-collapse:collapse;width:100%}td,th{padding:1px 6px;text-align:left;white-space:nowrap}
td.bar{width:50%}.region-bar{display:block;position:relative;height:12px;min-width:2px;opacity:.6}
.changed{position:absolute;top:0;height:100%;min-width:2px;background:var(--vscode-charts-red)}
td.path{color:var(--vscode-descriptionForeground)}`;

/** The whole page: the memory of every process saved in both snapshots. */
export function diffMapHtml(diff: SnapshotDiff, title: string): string {
  const procs = [...diff.processesAdded.map((v) => `<p>Process ${v} is new.</p>`),
    ...diff.processesRemoved.map((v) => `<p>Process ${v} is gone.</p>`)].join('');
  return `<!DOCTYPE html><html><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">` +
    `<style>${STYLE}</style><title>${escapeHtml(title)}</title></head><body>` +
    `<h1>${escapeHtml(title)}: ${diff.changedPages} pages changed</h1>${procs}` +
    diff.processes.map(processSection).join('') + '</body></html>';
}
