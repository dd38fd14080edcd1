/**
 * The page drawn by "Compare with…": each process's memory map of the later
 * snapshot. First the whole map as one strip, every region to scale with its
 * pages (the gaps between regions left out: the address space is mostly empty),
 * coloured by kind, its changed pages marked; a legend of the kinds drawn; then a
 * row per region with its own bar (to scale with the largest region) and counts;
 * then the program's files added, removed or changed.
 * Static HTML, no script; every colour is a theme variable. Pure, so that it is
 * tested without VS Code.
 */
import type { ProcessDiff, RegionDiff, SnapshotDiff } from '../adapter/protocol';

/** Colours by kind; kinds that share a colour share a legend entry. */
const KINDS: [string, string[], string][] = [
  ['heap', ['heap'], 'var(--vscode-charts-orange)'],
  ['stack', ['stack'], 'var(--vscode-charts-purple)'],
  ['anonymous', ['anon', 'shared-anon'], 'var(--vscode-charts-blue)'],
  ['file', ['file', 'shared-file'], 'var(--vscode-charts-green)'],
];
const OTHER: [string, string] = ['kernel and other', 'var(--vscode-charts-foreground)'];

function kindOf(kind: string): [string, string] {
  const k = KINDS.find(([, kinds]) => kinds.includes(kind));
  return k ? [k[0], k[2]] : OTHER;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The changed pages of a region as marks over its bar (positions in % of the region). */
function changedMarks(r: RegionDiff): string {
  return (r.changed ?? []).map(([first, count]) =>
    `<span class="changed" style="left:${(100 * first) / r.pages}%;width:${(100 * count) / r.pages}%"></span>`).join('');
}

/** A long path loses its start, not its file name (the whole one is the cell's tooltip). */
export function shortPath(path: string, max = 48): string {
  return path.length <= max ? path : `…${path.slice(path.length - max + 1)}`;
}

function regionRow(r: RegionDiff, maxPages: number, note: string): string {
  const width = Math.max(0.3, (100 * r.pages) / maxPages);
  return `<tr class="region" data-start="${escapeHtml(r.start)}" data-changed="${r.changedPages ?? 0}">` +
    `<td class="range">${escapeHtml(r.start)}</td><td>${escapeHtml(r.kind)}</td>` +
    `<td class="count">${escapeHtml(note)}</td>` +
    `<td class="bar"><span class="region-bar" style="width:${width}%;background:${kindOf(r.kind)[1]}">${changedMarks(r)}</span></td>` +
    `<td class="path" title="${escapeHtml(r.path)}">${escapeHtml(shortPath(r.path))}</td></tr>`;
}

/** The whole memory map as one strip: each region as wide as its share of the pages. */
function mapStrip(p: ProcessDiff, regions: RegionDiff[]): string {
  const pages = regions.reduce((n, r) => n + r.pages, 0);
  const segments = regions.map((r) => {
    const count = `${r.pages} ${r.pages === 1 ? 'page' : 'pages'}`;
    const note = p.added.includes(r) ? `new, ${count}` : `${r.changedPages ?? 0} of ${count} changed`;
    // The colour on a layer of its own, faded, so that the changed marks over it stay at full strength.
    return `<span class="segment" data-region="${escapeHtml(r.start)}" style="flex-grow:${r.pages}" ` +
      `title="${escapeHtml(`${r.start} ${r.kind} ${r.path}`.trim())}: ${note}">` +
      `<span class="fill" style="background:${kindOf(r.kind)[1]}"></span>${changedMarks(r)}</span>`;
  }).join('');
  return `<div class="map" role="img" aria-label="memory map of process ${p.vpid}: ${regions.length} regions, ` +
    `${pages} pages, ${p.changedPages} changed">${segments}</div>`;
}

/** The kinds drawn, each with its colour and its pages; then what the red marks are. */
function legend(regions: RegionDiff[]): string {
  const pages = new Map<string, [string, number]>();
  for (const r of regions) {
    const [name, colour] = kindOf(r.kind);
    pages.set(name, [colour, (pages.get(name)?.[1] ?? 0) + r.pages]);
  }
  return `<p class="legend">${[...pages].map(([name, [colour, n]]) =>
    `<span class="key" style="background:${colour}"></span>${escapeHtml(name)} ${n}`).join(' ')}` +
    ' <span class="key changed-key"></span>changed pages</p>';
}

/** The program's files added, removed or changed, saved ones first: a short table, or nothing. */
function filesTable(f: ProcessDiff['files']): string {
  const rows = ([['saved', f], ['checked', f.checked]] as const).flatMap(([how, d]) => [
    ...d.added.map((path) => [path, how, 'added', '']),
    ...d.removed.map((path) => [path, how, 'removed', '']),
    ...d.changed.map((c) => [c.path, how, 'changed', `${c.sizeBefore} → ${c.sizeAfter}`]),
  ]);
  if (!rows.length) return '';
  return '<h3>Files</h3><table class="files"><tr><th>file</th><th>how</th><th>change</th><th>bytes</th></tr>' +
    rows.map(([path, how, change, bytes]) => `<tr class="file" data-change="${change}">` +
      `<td class="path" title="${escapeHtml(path)}">${escapeHtml(shortPath(path))}</td><td>${how}</td>` +
      `<td>${change}</td><td class="count">${escapeHtml(bytes)}</td></tr>`).join('') + '</table>';
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
  const regions = rows.map(([r]) => r);
  return `<h2>Process ${p.vpid}: ${p.changedPages} pages changed</h2>` + mapStrip(p, regions) + legend(regions) +
    `<table><tr><th>start</th><th>kind</th><th>changed/pages</th><th>map</th><th>path</th></tr>` +
    rows.map(([r, note]) => regionRow(r, maxPages, note)).join('') + '</table>' +
    (removed ? `<h3>Regions removed</h3><ul>${removed}</ul>` : '') +
    ([...threads, ...fds].length ? `<ul>${[...threads, ...fds].map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>` : '') +
    filesTable(p.files);
}

const STYLE = `body{color:var(--vscode-foreground);font-family:var(--vscode-font-family);font-size:var(--vscode-font-size)}
table{border-collapse:collapse;width:100%}table.files{width:auto}td,th{padding:1px 6px;text-align:left;white-space:nowrap}
td.bar{width:45%;min-width:160px}.region-bar{display:block;position:relative;height:12px;min-width:2px;opacity:.6}
.changed{position:absolute;top:0;height:100%;min-width:2px;background:var(--vscode-charts-red)}
td.path{color:var(--vscode-descriptionForeground)}
.map{display:flex;height:22px;margin:6px 0 2px;border:1px solid var(--vscode-widget-border,transparent)}
.segment{position:relative;flex-basis:0;min-width:1px;border-right:1px solid var(--vscode-editor-background)}
.fill{position:absolute;inset:0;opacity:.6}
.legend{margin:2px 0 8px;color:var(--vscode-descriptionForeground)}
.key{display:inline-block;width:9px;height:9px;margin:0 3px 0 8px;opacity:.6;vertical-align:-1px}
.key.changed-key{background:var(--vscode-charts-red);opacity:1}`;

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
