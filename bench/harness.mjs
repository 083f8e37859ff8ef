// Shared benchmark harness: every bench/*.bench.mjs exports `default async function (h)` and calls
// `h.measure(...)` / `h.record(...)`. Figures are median and p99 per operation, plus ratios to a baseline
// measured in the same run. Benchmarks import the built library from dist/ (npm run bench builds first).
import { performance } from 'node:perf_hooks';

/** Sorted-sample percentile (nearest rank). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export function summarize(samplesNs) {
  const sorted = Float64Array.from(samplesNs).sort();
  return {
    n: sorted.length,
    medianNs: percentile(sorted, 50),
    p99Ns: percentile(sorted, 99),
    minNs: sorted[0],
    maxNs: sorted[sorted.length - 1],
  };
}

/**
 * Time `fn` per call. For sub-microsecond operations each sample is the mean of a batch of `batch` calls
 * (timer resolution would otherwise dominate); `batch: 1` times single calls.
 * Bounded by `samples` and by `maxMs` of wall time.
 */
export async function measure(fn, { samples = 2000, batch = 100, warmup = 200, maxMs = 5000 } = {}) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const out = [];
  const deadline = performance.now() + maxMs;
  let i = 0;
  while (out.length < samples && performance.now() < deadline) {
    const t0 = process.hrtime.bigint();
    for (let b = 0; b < batch; b++) {
      const r = fn(i++);
      if (r && typeof r.then === 'function') await r;
    }
    out.push(Number(process.hrtime.bigint() - t0) / batch);
  }
  return summarize(out);
}

export function fmtNs(ns) {
  if (!Number.isFinite(ns)) return 'n/a';
  if (ns < 1_000) return `${ns.toFixed(0)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(2)} µs`;
  if (ns < 1_000_000_000) return `${(ns / 1_000_000).toFixed(2)} ms`;
  return `${(ns / 1_000_000_000).toFixed(2)} s`;
}

/** Collects rows for one benchmark group and prints a markdown table. */
export class Group {
  constructor(title, note = '') {
    this.title = title;
    this.note = note;
    this.rows = [];
  }
  /** `stats` from measure(); `baseline` names a row in this group to compute ratios against. */
  add(name, stats, { baseline, target } = {}) {
    this.rows.push({ name, ...stats, baseline, target });
    return stats;
  }
  toMarkdown() {
    const byName = new Map(this.rows.map((r) => [r.name, r]));
    const lines = [`### ${this.title}`, ''];
    if (this.note) lines.push(this.note, '');
    lines.push('| case | median | p99 | samples | vs baseline (median) | target |', '| --- | --- | --- | --- | --- | --- |');
    for (const r of this.rows) {
      const base = r.baseline ? byName.get(r.baseline) : undefined;
      const ratio = base ? `${(r.medianNs / base.medianNs).toFixed(3)}× ${r.baseline}` : '';
      lines.push(`| ${r.name} | ${fmtNs(r.medianNs)} | ${fmtNs(r.p99Ns)} | ${r.n} | ${ratio} | ${r.target ?? ''} |`);
    }
    return lines.join('\n') + '\n';
  }
}
