// The registry's series: found by the tuple of label values (whatever characters they hold), rendered in the
// order first seen, counted as a plain reference map counts them, and mirrored to OTel with one attributes
// object per series.
import type { Attributes, Meter } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { MetricRegistry } from '../../src/telemetry/registry.js';
import { parsePrometheus, type PromSample } from './support.js';

const info = (name: string, labels: readonly string[]): { name: string; otelName: string; help: string; labels: readonly string[]; unit: string } => ({
  name,
  otelName: name,
  help: name,
  labels,
  unit: '1',
});

const samplesOf = (all: readonly PromSample[], name: string): { labels: Readonly<Record<string, string>>; value: number }[] =>
  all.filter((s) => s.name === name).map((s) => ({ labels: s.labels, value: s.value }));

/** Deterministic, so a failure replays (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('registry series', () => {
  it('keeps apart label tuples that only a joined key would confuse', async () => {
    const r = new MetricRegistry();
    const c = r.counter(info('c_total', ['a', 'b']));
    const h = r.histogram(info('h_seconds', ['a', 'b']), [1]);
    c.inc(['x\u0001y', 'z']);
    c.inc(['x', 'y\u0001z'], 2);
    c.inc(['\u0001', '']);
    c.inc(['', '\u0001'], 4);
    h.observe(['x\u0001y', 'z'], 0.5);
    h.observe(['x', 'y\u0001z'], 0.5);
    h.observe(['x', 'y\u0001z'], 0.5);
    expect([c.value(['x\u0001y', 'z']), c.value(['x', 'y\u0001z']), c.value(['\u0001', '']), c.value(['', '\u0001'])]).toEqual([1, 2, 1, 4]);
    expect([h.count(['x\u0001y', 'z']), h.count(['x', 'y\u0001z'])]).toEqual([1, 2]);
    const s = parsePrometheus(await r.render());
    expect(samplesOf(s, 'c_total')).toEqual([
      { labels: { a: 'x\u0001y', b: 'z' }, value: 1 },
      { labels: { a: 'x', b: 'y\u0001z' }, value: 2 },
      { labels: { a: '\u0001', b: '' }, value: 1 },
      { labels: { a: '', b: '\u0001' }, value: 4 },
    ]);
    expect(samplesOf(s, 'h_seconds_count')).toEqual([
      { labels: { a: 'x\u0001y', b: 'z' }, value: 1 },
      { labels: { a: 'x', b: 'y\u0001z' }, value: 2 },
    ]);
  });

  it('renders series in the order they were first updated, not by their values', async () => {
    const r = new MetricRegistry();
    const c = r.counter(info('c_total', ['a', 'b']));
    const h = r.histogram(info('h_seconds', ['a']), [1]);
    for (const [a, b] of [['z', '2'], ['a', '9'], ['z', '1'], ['a', '9'], ['m', '0'], ['z', '2']] as const) c.inc([a, b]);
    for (const a of ['q', 'b', 'q', 'x']) h.observe([a], 2);
    const s = parsePrometheus(await r.render());
    expect(samplesOf(s, 'c_total')).toEqual([
      { labels: { a: 'z', b: '2' }, value: 2 },
      { labels: { a: 'a', b: '9' }, value: 2 },
      { labels: { a: 'z', b: '1' }, value: 1 },
      { labels: { a: 'm', b: '0' }, value: 1 },
    ]);
    expect(samplesOf(s, 'h_seconds_count').map((x) => x.labels['a'])).toEqual(['q', 'b', 'x']);
    expect(samplesOf(s, 'h_seconds_bucket').map((x) => `${x.labels['a']!} ${x.labels['le']!} ${x.value}`)).toEqual(['q 1 0', 'q +Inf 2', 'b 1 0', 'b +Inf 1', 'x 1 0', 'x +Inf 1']);
  });

  it('reads a missing label value as the empty one, in one series', async () => {
    const r = new MetricRegistry();
    const c = r.counter(info('c_total', ['a', 'b']));
    c.inc(['x']);
    c.inc(['x', '']);
    expect(c.value(['x', ''])).toBe(2);
    expect(samplesOf(parsePrometheus(await r.render()), 'c_total')).toEqual([{ labels: { a: 'x', b: '' }, value: 2 }]);
  });

  it('counts what a map keyed by the whole tuple counts, in its insertion order', async () => {
    const values = ['', 'a', 'b', '\u0001', 'a\u0001', '\u0001b', 'a\u0001b', '"x', '\\'];
    const next = random(7);
    const pick = (): string => values[Math.floor(next() * values.length)]!;
    const r = new MetricRegistry();
    const c = r.counter(info('c_total', ['a', 'b', 'c']));
    const h = r.histogram(info('h_seconds', ['a', 'b']), [0.25, 0.5]);
    const counts = new Map<string, { labels: string[]; value: number }>();
    const observed = new Map<string, { labels: string[]; value: number }>();
    const add = (ref: Map<string, { labels: string[]; value: number }>, labels: string[], n: number): void => {
      const key = JSON.stringify(labels);
      const e = ref.get(key);
      if (e === undefined) ref.set(key, { labels, value: n });
      else e.value += n;
    };
    for (let i = 0; i < 3_000; i++) {
      const labels = [pick(), pick(), pick()];
      const n = 1 + Math.floor(next() * 5);
      c.inc(labels, n);
      add(counts, labels, n);
      const two = labels.slice(0, 2);
      h.observe(two, next());
      add(observed, two, 1);
    }
    expect(counts.size).toBeGreaterThan(500);
    for (const e of counts.values()) expect(c.value(e.labels)).toBe(e.value);
    for (const e of observed.values()) expect(h.count(e.labels)).toBe(e.value);
    expect(c.value(['no', 'such', 'series'])).toBe(0);
    expect(h.count(['no', 'such'])).toBe(0);
    const s = parsePrometheus(await r.render());
    const asSamples = (ref: Map<string, { labels: string[]; value: number }>, names: readonly string[]): { labels: Record<string, string>; value: number }[] =>
      [...ref.values()].map((e) => ({ labels: Object.fromEntries(names.map((n, i) => [n, e.labels[i]!])), value: e.value }));
    expect(samplesOf(s, 'c_total')).toEqual(asSamples(counts, ['a', 'b', 'c']));
    expect(samplesOf(s, 'h_seconds_count')).toEqual(asSamples(observed, ['a', 'b']));
  });

  it('hands the OTel instruments one attributes object per series', () => {
    const added: [number, Attributes][] = [];
    const recorded: [number, Attributes][] = [];
    // Only what the registry calls of a Meter.
    const meter = {
      createCounter: () => ({ add: (n: number, attrs: Attributes) => added.push([n, attrs]) }),
      createHistogram: () => ({ record: (v: number, attrs: Attributes) => recorded.push([v, attrs]) }),
    } as unknown as Meter;
    const r = new MetricRegistry();
    const c = r.counter(info('c_total', ['a', 'b']));
    const h = r.histogram(info('h_seconds', ['a']), [1]);
    r.attach(meter);
    c.inc(['x', 'y']);
    c.inc(['x\u0001y', '']);
    c.inc(['x', 'y'], 3);
    h.observe(['q'], 0.5);
    h.observe(['q'], 2);
    expect(added.map(([n, attrs]) => [n, { ...attrs }])).toEqual([
      [1, { a: 'x', b: 'y' }],
      [1, { a: 'x\u0001y', b: '' }],
      [3, { a: 'x', b: 'y' }],
    ]);
    expect(added[2]![1]).toBe(added[0]![1]);
    expect(added[1]![1]).not.toBe(added[0]![1]);
    expect(recorded).toEqual([
      [0.5, { a: 'q' }],
      [2, { a: 'q' }],
    ]);
    expect(recorded[1]![1]).toBe(recorded[0]![1]);
  });
});
