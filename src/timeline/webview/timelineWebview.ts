/**
 * The Snapshot Timeline's page: draws the model the extension posts (timelineModel.ts)
 * as an SVG as wide as the view and short enough for a side-bar pane: the axis of the
 * run, the user's snapshots above it (stem height by size), automatic ones below, stops
 * as ticks, and where the program stands. Going back in time starts a branch: a new
 * row, leaving from the snapshot restored, while the run that was ends where the jump
 * was made. The line above
 * counts each kind beside its colour, so it is the legend too. Hover or focus shows a
 * card; a click, Enter or Space asks the extension to restore. Colours are the theme's.
 */
import type { TimelineModel, TimelineSnapshot } from '../timelineModel';
import { spread } from '../timelineModel';

interface VsCodeApi { postMessage(message: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const SVG = 'http://www.w3.org/2000/svg';
/** The first axis, alone (room above for tall marks) or with branches' rows LANE_GAP apart (marks drawn shorter). */
const AXIS_Y = 56;
const COMPACT_AXIS_Y = 38;
const LANE_GAP = 48;
/** Below the last axis: its automatic marks and the time row. */
const BELOW = 48;
const PAD_LEFT = 14;
const PAD_RIGHT = 16;
/** Least distance between neighbouring marks (px), per lane. */
const GAP = { user: 20, auto: 12 };
/** Width of one character of the 10-11px labels, for fitting them to their room (px). */
const CHAR_PX = 6;

const stage = document.getElementById('stage') as HTMLDivElement;
const summary = document.getElementById('summary') as HTMLParagraphElement;
const card = document.getElementById('card') as HTMLDivElement;
let model: TimelineModel | undefined;
/** Where the time row is, for the drawing under way (it grows with the rows). */
let timeY = AXIS_Y + BELOW - 2;
let compact = false;

/** The axis of a row (0: the first run). */
function rowY(row: number): number {
  return compact ? COMPACT_AXIS_Y + row * LANE_GAP : AXIS_Y;
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent?.appendChild(e);
  return e;
}

function text(parent: Element, cls: string, x: number, y: number, anchor: string, content: string): SVGTextElement {
  const t = el('text', { class: cls, x, y, 'text-anchor': anchor }, parent);
  t.textContent = content;
  return t;
}

/** The longest of the candidates that fits in `room` px ('' when none does). */
function fit(room: number, ...candidates: string[]): string {
  return candidates.find((c) => c.length * CHAR_PX <= room) ?? '';
}

function span(cls: string, content: string): HTMLSpanElement {
  const s = document.createElement('span');
  s.className = cls;
  s.textContent = content;
  return s;
}

/** The card goes beside the mark, on the side with more room, at the top of the picture: the pane is short. */
function showCard(s: TimelineSnapshot, x: number): void {
  card.replaceChildren(...s.detail.map((line, i) => span(i === 0 ? 'title' : 'line', line)));
  card.hidden = false;
  const w = card.offsetWidth;
  const right = x + 14 + w <= stage.clientWidth || x < stage.clientWidth / 2;
  const left = right ? x + 14 : x - 14 - w;
  card.style.left = `${Math.max(2, Math.min(stage.clientWidth - w - 2, left))}px`;
  card.style.top = `${stage.offsetTop + 2}px`;
}

function restore(s: TimelineSnapshot): void {
  vscode.postMessage({ type: 'restore', id: s.id });
}

/** One snapshot: a stem from the axis and a head; above the axis, its name and size where they fit. */
function drawMark(svg: SVGSVGElement, s: TimelineSnapshot, x: number, room: number): void {
  const user = s.kind === 'user';
  const axis = rowY(s.row);
  // Rows a lane apart leave less height: shorter stems, still by size.
  const stem = user ? (compact ? 7 + 11 * s.sizeRatio : 10 + 26 * s.sizeRatio) : (compact ? 5 + 5 * s.sizeRatio : 7 + 14 * s.sizeRatio);
  const headY = user ? axis - stem : axis + stem;
  const g = el('g', {
    class: `mark ${s.kind}${s.restored ? ' restored' : ''}${s.here ? ' here' : ''}`,
    'data-id': s.id, 'data-row': s.row, tabindex: 0, role: 'button',
    'aria-label': `Restore ${s.name}: ${s.detail.slice(1, -1).join(', ')}`,
  }, svg);
  el('line', { class: 'stem', x1: x, y1: axis, x2: x, y2: headY }, g);
  if (s.here || s.restored) el('circle', { class: 'ring', cx: x, cy: headY, r: user ? 8.5 : 7.5 }, g);
  el('circle', { class: 'head', cx: x, cy: headY, r: user ? 5 : 4 }, g);
  // A wider target than the drawing: the marks are small and the view is narrow.
  el('rect', { class: 'hit', x: x - 8, y: Math.min(headY, axis) - 8, width: 16, height: Math.abs(axis - headY) + 16 }, g);
  if (user) {
    const label = fit(room, `${s.name} · ${s.sizeText}`, s.name, s.sizeText);
    if (label) text(g, 'label', x, headY - (compact ? 7 : 9), 'middle', label);
  }
  const show = () => showCard(s, x);
  g.addEventListener('mouseenter', show);
  g.addEventListener('focus', show);
  g.addEventListener('mouseleave', () => { card.hidden = true; });
  g.addEventListener('blur', () => { card.hidden = true; });
  g.addEventListener('click', () => restore(s));
  g.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      restore(s);
    }
  });
}

/** Positions of one lane's marks in px, pushed apart where they crowd. */
function lane(marks: TimelineSnapshot[], gap: number, width: number): Map<TimelineSnapshot, number> {
  const xs = spread(marks.map((m) => m.x), gap / width);
  return new Map(marks.map((m, i) => [m, PAD_LEFT + xs[i] * width]));
}

function drawSummary(m: TimelineModel): void {
  summary.title = m.here ? `${m.summary} — ${m.here.text}` : m.summary;
  if (m.snapshots.length === 0) {
    summary.replaceChildren(span('count', 'No snapshots yet: Save Snapshot (Ctrl+Alt+S) adds one here.'));
    return;
  }
  summary.replaceChildren(
    span('key user', ''), span('count', `${m.counts.users} yours`),
    span('key auto', ''), span('count', `${m.counts.autos} automatic`),
    span('total', m.counts.totalText),
  );
}

/** Stops as ticks on their branch's axis. */
function drawStops(svg: SVGSVGElement, m: TimelineModel, at: (x: number) => number): void {
  for (const st of m.stops) {
    const x = at(st.x);
    const y = rowY(st.row);
    const tick = el('line', { class: `stop${st.jump ? ' went-back' : ''}`, x1: x, y1: y - 4, x2: x, y2: y + 4 }, svg);
    el('title', {}, tick).textContent = st.title;
  }
}

/**
 * Each branch on its row: the first run from the left, a later one from the
 * snapshot it left from (a dashed bend down from that mark, `markX`, along to where
 * the jump was made), then solid while it ran. The branch the program is on ends in
 * the arrow; one left by a jump back ends in a bar.
 */
function drawLanes(svg: SVGSVGElement, m: TimelineModel, at: (x: number) => number, total: number, markX: (id: string) => number | undefined): void {
  for (const lane of m.lanes) {
    const y = rowY(lane.row);
    const from = lane.fork ? at(lane.fromX) : PAD_LEFT - 6;
    const to = lane.current ? total - 4 : at(lane.toX);
    const g = el('g', { class: `lane${lane.current ? ' current' : ''}`, 'data-row': lane.row }, svg);
    if (lane.fork) {
      const fx = markX(lane.fork.snapshot) ?? at(lane.fork.x);
      const fy = rowY(lane.fork.row);
      const bend = Math.min(14, Math.max(4, from - fx));
      const d = `M ${fx} ${fy} C ${fx} ${(fy + y) / 2}, ${fx} ${y}, ${fx + bend} ${y} L ${from} ${y}`;
      el('title', {}, el('path', { class: 'jump', d }, g)).textContent = `went back to ${lane.fork.snapshot} and ran on from there`;
    }
    el('line', { class: 'axis', x1: from, y1: y, x2: Math.max(from, to), y2: y }, g);
    if (lane.current) el('path', { class: 'axis-end', d: `M ${total - 2} ${y} l -6 -3.5 v 7 z` }, g);
    else el('line', { class: 'lane-end', x1: to, y1: y - 5, x2: to, y2: y + 5 }, g);
  }
}

/** Where the program stands: a pin on the axis and a word under it, in the time row. */
function drawHere(svg: SVGSVGElement, m: TimelineModel, x: number, total: number): number {
  if (!m.here) return -1;
  const live = !m.here.onSnapshot;
  const g = el('g', { class: `here-marker ${live ? 'live' : 'on-snapshot'}`, 'data-row': m.here.row }, svg);
  el('line', { class: 'here-line', x1: x, y1: rowY(m.here.row) - (compact ? 26 : 44), x2: x, y2: timeY - 12 }, g);
  el('path', { class: 'here-head', d: `M ${x - 4.5} ${timeY - 9} h 9 l -4.5 -6 z` }, g);
  const word = live ? m.here.text.replace(/^now: /, 'now, ') : 'here';
  const anchor = x > total - 60 ? 'end' : x < 60 ? 'start' : 'middle';
  text(g, 'here-text', anchor === 'end' ? Math.min(x + 5, total - 2) : x, timeY, anchor, word);
  el('title', {}, g).textContent = m.here.text;
  return x;
}

function draw(): void {
  if (!model) return;
  const m = model;
  drawSummary(m);
  const rows = Math.max(1, m.rows);
  compact = rows > 1;
  const height = rowY(rows - 1) + BELOW;
  timeY = height - 2;
  const total = Math.max(180, stage.clientWidth);
  const width = total - PAD_LEFT - PAD_RIGHT;
  const at = (x: number) => PAD_LEFT + x * width;
  const svg = el('svg', { width: total, height, viewBox: `0 0 ${total} ${height}`, role: 'img', 'aria-label': m.summary });

  if (m.runStartX > 0) {
    const bx = at(m.runStartX) - 8;
    el('path', { class: 'axis-break', d: `M ${bx - 3} ${rowY(0) + 5} l 5 -10 M ${bx + 2} ${rowY(0) + 5} l 5 -10` }, svg);
  }
  // Marks crowd only their own row and side of it.
  const placed = new Map<TimelineSnapshot, number>();
  for (let row = 0; row < rows; row++) {
    for (const kind of ['user', 'auto'] as const) {
      const group = m.snapshots.filter((s) => s.row === row && s.kind === kind);
      for (const [s, x] of lane(group, GAP[kind], width)) placed.set(s, x);
    }
  }
  const byId = new Map(m.snapshots.map((s) => [s.id, s]));
  drawLanes(svg, m, at, total, (id) => { const s = byId.get(id); return s ? placed.get(s) : undefined; });
  drawStops(svg, m, at);
  const onMark = m.snapshots.find((s) => s.id === m.here?.onSnapshot);
  const hereX = drawHere(svg, m, onMark ? placed.get(onMark) ?? at(m.here!.x) : at(m.here?.x ?? 1), total);
  for (let row = 0; row < rows; row++) {
    const users = m.snapshots.filter((s) => s.kind === 'user' && s.row === row);
    users.forEach((s, i) => {
      const x = placed.get(s) ?? at(s.x);
      const prev = i > 0 ? placed.get(users[i - 1]) ?? x : -Infinity;
      const next = i < users.length - 1 ? placed.get(users[i + 1]) ?? x : Infinity;
      drawMark(svg, s, x, Math.min(96, x - prev, next - x, 2 * x, 2 * (total - x)));
    });
  }
  for (const s of m.snapshots.filter((x) => x.kind === 'auto')) drawMark(svg, s, placed.get(s) ?? at(s.x), 0);

  // The clock at both ends, where the word under the pin leaves room.
  if (hereX < 0 || hereX > PAD_LEFT + 70) text(svg, 'time', PAD_LEFT - 6, timeY, 'start', m.startText);
  if (hereX < 0 || hereX < total - 110) text(svg, 'time', total - 2, timeY, 'end', m.endText);
  stage.replaceChildren(svg);
}

/** The row last brought into view: the person's own scrolling is left alone until another branch begins. */
let shownRow = 0;

/** A pane shorter than the picture scrolls: bring a branch the program has just begun into view. */
function showCurrentRow(): void {
  const row = model?.lanes.find((l) => l.current)?.row;
  if (row === undefined || row === shownRow) return;
  shownRow = row;
  const bottom = stage.offsetTop + rowY(row) + 24;
  if (bottom > window.scrollY + window.innerHeight) window.scrollTo({ top: bottom - window.innerHeight });
}

window.addEventListener('message', (e: MessageEvent<{ type: string; model?: TimelineModel }>) => {
  if (e.data?.type !== 'model' || !e.data.model) return;
  model = e.data.model;
  card.hidden = true;
  draw();
  showCurrentRow();
});
new ResizeObserver(() => draw()).observe(stage);
vscode.postMessage({ type: 'ready' });
