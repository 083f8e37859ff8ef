// The proxy benchmark's chart (issue 9 item 4): one SVG, hand-written so that it needs no dependency, with a
// panel of horizontal bars per measure (throughput, added latency at a constant rate, added time to first
// chunk, RSS) and one bar per system. A value far above the others (a saturated gateway's queueing latency)
// would flatten every other bar, so a panel's scale stops at 4× its second-largest value and a longer bar is
// drawn cut, with its figure written out.
import { writeFileSync } from 'node:fs';

const COLORS = ['#4e79a7', '#9c9c9c', '#e15759', '#f28e2b', '#76b7b2', '#59a14f'];
const WIDTH = 800;
const LABEL_W = 230;
const BAR_H = 16;
const GAP = 6;
const PANEL_PAD = 34;

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function scaleOf(values) {
  const finite = values.filter((v) => Number.isFinite(v)).map((v) => Math.max(0, v)).sort((a, b) => b - a);
  const [first = 0, second = 0] = finite;
  const max = second > 0 && first > 4 * second ? 4 * second : first;
  return max > 0 ? max : 1;
}

/**
 * `panels`: [{ title, unit, bars: [{ label, value, text? }] }]; a bar of `NaN` is drawn as "not measured".
 * Bars of the same label get the same colour in every panel.
 */
export function chartSvg({ title, subtitle, panels }) {
  const labels = [...new Set(panels.flatMap((p) => p.bars.map((b) => b.label)))];
  const color = (label) => COLORS[labels.indexOf(label) % COLORS.length];
  const plotW = WIDTH - LABEL_W - 210;
  const parts = [];
  let y = 52;
  for (const panel of panels) {
    parts.push(`<text x="12" y="${y}" font-weight="bold">${esc(panel.title)}</text>`);
    y += 10;
    const max = scaleOf(panel.bars.map((b) => b.value));
    for (const bar of panel.bars) {
      const cy = y + BAR_H / 2 + 4;
      parts.push(`<text x="${LABEL_W - 8}" y="${cy}" text-anchor="end">${esc(bar.label)}</text>`);
      if (!Number.isFinite(bar.value)) {
        parts.push(`<text x="${LABEL_W + 4}" y="${cy}" fill="#777">not measured</text>`);
      } else {
        const v = Math.max(0, bar.value);
        const cut = v > max;
        const w = Math.max(1, (Math.min(v, max) / max) * plotW);
        parts.push(`<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${color(bar.label)}"/>`);
        if (cut) parts.push(`<path d="M${(LABEL_W + w - 14).toFixed(1)} ${y - 2} l6 ${BAR_H + 4} M${(LABEL_W + w - 8).toFixed(1)} ${y - 2} l6 ${BAR_H + 4}" stroke="#fff" stroke-width="3"/>`);
        parts.push(`<text x="${(LABEL_W + w + 6).toFixed(1)}" y="${cy}">${esc(bar.text ?? `${bar.value} ${panel.unit}`)}</text>`);
      }
      y += BAR_H + GAP;
    }
    y += PANEL_PAD - GAP;
  }
  const height = y;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="20" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="12" y="36" fill="#555">${esc(subtitle)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

export function writeChart(path, spec) {
  writeFileSync(path, chartSvg(spec));
}
