/**
 * The Snapshot Timeline's page: draws the model the extension posts (timelineModel.ts)
 * as an SVG as wide as the view and short enough for a side-bar pane: the axis of the
 * run, the user's snapshots above it (stem height by size), automatic ones below, stops
 * as ticks, jumps back in time as arcs, and where the program stands. The line above
 * counts each kind beside its colour, so it is the legend too. Hover or focus shows a
 * card; a click, Enter or Space asks the extension to restore. Colours are the theme's.
 */
import type { TimelineModel, TimelineSnapshot } from '../timelineModel';
import { spread } from '../timelineModel';

interface VsCodeApi { postMessage(message: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const SVG = 'http://www.w3.org/2000/svg';
const HEIGHT = 104;
const AXIS_Y = 56;
const TIME_Y = HEIGHT - 2;
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
  const stem = user ? 10 + 26 * s.sizeRatio : 7 + 14 * s.sizeRatio;
  const headY = user ? AXIS_Y - stem : AXIS_Y + stem;
  const g = el('g', {
    class: `mark ${s.kind}${s.restored ? ' restored' : ''}${s.here ? ' here' : ''}`,
    'data-id': s.id, tabindex: 0, role: 'button',
    'aria-label': `Restore ${s.name}: ${s.detail.slice(1, -1).join(', ')}`,
  }, svg);
  el('line', { class: 'stem', x1: x, y1: AXIS_Y, x2: x, y2: headY }, g);
  if (s.here || s.restored) el('circle', { class: 'ring', cx: x, cy: headY, r: user ? 8.5 : 7.5 }, g);
  el('circle', { class: 'head', cx: x, cy: headY, r: user ? 5 : 4 }, g);
  // A wider target than the drawing: the marks are small and the view is narrow.
  el('rect', { class: 'hit', x: x - 8, y: Math.min(headY, AXIS_Y) - 8, width: 16, height: Math.abs(AXIS_Y - headY) + 16 }, g);
  if (user) {
    const label = fit(room, `${s.name} · ${s.sizeText}`, s.name, s.sizeText);
    if (label) text(g, 'label', x, headY - 9, 'middle', label);
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

/** Stops as ticks on the axis; a jump back as an arc from its stop to the snapshot's mark (`markX`). */
function drawStops(svg: SVGSVGElement, m: TimelineModel, at: (x: number) => number, markX: (id: string) => number | undefined): void {
  for (const st of m.stops) {
    const x = at(st.x);
    if (st.jump) {
      const to = markX(st.jump.to) ?? at(st.jump.toX);
      const lift = Math.min(AXIS_Y - 6, 10 + Math.abs(x - to) / 4);
      const arc = el('path', { class: 'jump', d: `M ${x} ${AXIS_Y} C ${x} ${AXIS_Y - lift}, ${to} ${AXIS_Y - lift}, ${to} ${AXIS_Y - 2}` }, svg);
      el('title', {}, arc).textContent = st.title;
    }
    const tick = el('line', { class: `stop${st.jump ? ' went-back' : ''}`, x1: x, y1: AXIS_Y - 4, x2: x, y2: AXIS_Y + 4 }, svg);
    el('title', {}, tick).textContent = st.title;
  }
}

/** Where the program stands: a pin on the axis and a word under it, in the time row. */
function drawHere(svg: SVGSVGElement, m: TimelineModel, x: number, total: number): number {
  if (!m.here) return -1;
  const live = !m.here.onSnapshot;
  const g = el('g', { class: `here-marker ${live ? 'live' : 'on-snapshot'}` }, svg);
  el('line', { class: 'here-line', x1: x, y1: AXIS_Y - 44, x2: x, y2: TIME_Y - 12 }, g);
  el('path', { class: 'here-head', d: `M ${x - 4.5} ${TIME_Y - 9} h 9 l -4.5 -6 z` }, g);
  const word = live ? m.here.text.replace(/^now: /, 'now, ') : 'here';
  const anchor = x > total - 60 ? 'end' : x < 60 ? 'start' : 'middle';
  text(g, 'here-text', anchor === 'end' ? Math.min(x + 5, total - 2) : x, TIME_Y, anchor, word);
  el('title', {}, g).textContent = m.here.text;
  return x;
}

function draw(): void {
  if (!model) return;
  const m = model;
  drawSummary(m);
  const total = Math.max(180, stage.clientWidth);
  const width = total - PAD_LEFT - PAD_RIGHT;
  const at = (x: number) => PAD_LEFT + x * width;
  const svg = el('svg', { width: total, height: HEIGHT, viewBox: `0 0 ${total} ${HEIGHT}`, role: 'img', 'aria-label': m.summary });

  el('line', { class: 'axis', x1: PAD_LEFT - 6, y1: AXIS_Y, x2: total - 4, y2: AXIS_Y }, svg);
  el('path', { class: 'axis-end', d: `M ${total - 2} ${AXIS_Y} l -6 -3.5 v 7 z` }, svg);
  if (m.runStartX > 0) {
    const bx = at(m.runStartX) - 8;
    el('path', { class: 'axis-break', d: `M ${bx - 3} ${AXIS_Y + 5} l 5 -10 M ${bx + 2} ${AXIS_Y + 5} l 5 -10` }, svg);
  }
  const users = m.snapshots.filter((s) => s.kind === 'user');
  const autos = m.snapshots.filter((s) => s.kind === 'auto');
  const placed = new Map([...lane(users, GAP.user, width), ...lane(autos, GAP.auto, width)]);
  const byId = new Map(m.snapshots.map((s) => [s.id, s]));
  drawStops(svg, m, at, (id) => { const s = byId.get(id); return s ? placed.get(s) : undefined; });
  const onMark = m.snapshots.find((s) => s.id === m.here?.onSnapshot);
  const hereX = drawHere(svg, m, onMark ? placed.get(onMark) ?? at(m.here!.x) : at(m.here?.x ?? 1), total);
  users.forEach((s, i) => {
    const x = placed.get(s) ?? at(s.x);
    const prev = i > 0 ? placed.get(users[i - 1]) ?? x : -Infinity;
    const next = i < users.length - 1 ? placed.get(users[i + 1]) ?? x : Infinity;
    drawMark(svg, s, x, Math.min(96, x - prev, next - x, 2 * x, 2 * (total - x)));
  });
  for (const s of autos) drawMark(svg, s, placed.get(s) ?? at(s.x), 0);

  // The clock at both ends, where the word under the pin leaves room.
  if (hereX < 0 || hereX > PAD_LEFT + 70) text(svg, 'time', PAD_LEFT - 6, TIME_Y, 'start', m.startText);
  if (hereX < 0 || hereX < total - 110) text(svg, 'time', total - 2, TIME_Y, 'end', m.endText);
  stage.replaceChildren(svg);
}

window.addEventListener('message', (e: MessageEvent<{ type: string; model?: TimelineModel }>) => {
  if (e.data?.type !== 'model' || !e.data.model) return;
  model = e.data.model;
  card.hidden = true;
  draw();
});
new ResizeObserver(() => draw()).observe(stage);
vscode.postMessage({ type: 'ready' });
