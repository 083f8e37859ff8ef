// A small metrics registry built for the request path: a counter or histogram update is one Map lookup per
// label, keyed by the label's value, and a few additions (no key to build, no attribute hashing, no allocation
// once a series exists). It renders the Prometheus text format for `GET /metrics`, and when an OpenTelemetry
// meter is attached (OTLP export configured) every update is also recorded on the matching OTel instrument, with
// attributes built once per series. Gauges are not updated on the request path: they are read when someone
// collects.
import type { Attributes, Counter as OtelCounter, Histogram as OtelHistogram, Meter } from '@opentelemetry/api';

export type LabelValues = readonly string[];

export interface GaugeSample {
  readonly labels: LabelValues;
  readonly value: number;
}

interface Series {
  readonly labels: LabelValues;
  attrs: Attributes | undefined;
}

interface CounterSeries extends Series {
  value: number;
}

interface HistogramSeries extends Series {
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * Series found by their label values, one Map level per label position. The values come from the policy and the
 * proxy's own constants, so they are the same string objects request after request and each lookup reuses the
 * hash V8 caches on the string; a key joined from them was a new string to build and hash on every update. The
 * path is the tuple itself, so no label value, whatever characters it holds, can make two series one.
 */
class SeriesIndex<S> {
  private readonly root: Level<S> = { next: undefined, series: undefined };
  /** Every series, in the order first seen: the order they render in. */
  readonly all: S[] = [];

  constructor(
    private readonly depth: number,
    private readonly make: (labels: LabelValues) => S,
  ) {}

  /** The series of `values`, read as `depth` values (a missing one is ''); made the first time. */
  at(values: LabelValues): S {
    let level = this.root;
    for (let i = 0; i < this.depth; i++) level = step(level, values[i] ?? '');
    return level.series ?? this.add(level, values);
  }

  /** The series of `values` if it was ever made. */
  find(values: LabelValues): S | undefined {
    let level: Level<S> | undefined = this.root;
    for (let i = 0; i < this.depth && level !== undefined; i++) level = level.next?.get(values[i] ?? '');
    return level?.series;
  }

  private add(level: Level<S>, values: LabelValues): S {
    const labels: string[] = [];
    for (let i = 0; i < this.depth; i++) labels.push(values[i] ?? '');
    const s = this.make(labels);
    level.series = s;
    this.all.push(s);
    return s;
  }
}

/** One position of a `SeriesIndex`: the next position's levels by value, or at the last position the series. */
interface Level<S> {
  next: Map<string, Level<S>> | undefined;
  series: S | undefined;
}

function step<S>(level: Level<S>, value: string): Level<S> {
  const next = (level.next ??= new Map());
  let child = next.get(value);
  if (child === undefined) {
    child = { next: undefined, series: undefined };
    next.set(value, child);
  }
  return child;
}

function attributesOf(names: readonly string[], values: LabelValues): Attributes {
  const attrs: Attributes = {};
  for (let i = 0; i < names.length; i++) attrs[names[i]!] = values[i] ?? '';
  return attrs;
}

export interface MetricInfo {
  /** Prometheus name, e.g. `switchyard_requests_total`. */
  readonly name: string;
  /** OpenTelemetry name, e.g. `switchyard.requests`. */
  readonly otelName: string;
  readonly help: string;
  readonly labels: readonly string[];
  /** UCUM unit for OTLP (`s`, `{request}`, `USD`). */
  readonly unit: string;
}

export class CounterMetric {
  private readonly series: SeriesIndex<CounterSeries>;
  private otel: OtelCounter | undefined;

  constructor(readonly info: MetricInfo) {
    this.series = new SeriesIndex(info.labels.length, (labels) => ({ labels, attrs: undefined, value: 0 }));
  }

  inc(labels: LabelValues, n = 1): void {
    const s = this.series.at(labels);
    s.value += n;
    if (this.otel !== undefined) this.otel.add(n, (s.attrs ??= attributesOf(this.info.labels, s.labels)));
  }

  /** Current value of one series (0 when never incremented). */
  value(labels: LabelValues): number {
    return this.series.find(labels)?.value ?? 0;
  }

  attach(meter: Meter): void {
    this.otel = meter.createCounter(this.info.otelName, { description: this.info.help, unit: this.info.unit });
  }

  render(out: string[]): void {
    header(out, this.info, 'counter');
    for (const s of this.series.all) out.push(`${this.info.name}${labelText(this.info.labels, s.labels)} ${num(s.value)}`);
  }
}

export class HistogramMetric {
  private readonly series: SeriesIndex<HistogramSeries>;
  private otel: OtelHistogram | undefined;

  constructor(
    readonly info: MetricInfo,
    /** Upper bounds, ascending; `+Inf` is implied. */
    readonly buckets: readonly number[],
  ) {
    const slots = buckets.length + 1;
    this.series = new SeriesIndex(info.labels.length, (labels) => ({ labels, attrs: undefined, counts: new Float64Array(slots), sum: 0, count: 0 }));
  }

  observe(labels: LabelValues, value: number): void {
    const s = this.series.at(labels);
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]!) i++;
    s.counts[i]! += 1;
    s.sum += value;
    s.count += 1;
    if (this.otel !== undefined) this.otel.record(value, (s.attrs ??= attributesOf(this.info.labels, s.labels)));
  }

  /** Observations of one series so far. */
  count(labels: LabelValues): number {
    return this.series.find(labels)?.count ?? 0;
  }

  attach(meter: Meter): void {
    this.otel = meter.createHistogram(this.info.otelName, {
      description: this.info.help,
      unit: this.info.unit,
      advice: { explicitBucketBoundaries: [...this.buckets] },
    });
  }

  render(out: string[]): void {
    header(out, this.info, 'histogram');
    const names = [...this.info.labels, 'le'];
    for (const s of this.series.all) {
      let cumulative = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += s.counts[i]!;
        const le = i < this.buckets.length ? num(this.buckets[i]!) : '+Inf';
        out.push(`${this.info.name}_bucket${labelText(names, [...s.labels, le])} ${num(cumulative)}`);
      }
      out.push(`${this.info.name}_sum${labelText(this.info.labels, s.labels)} ${num(s.sum)}`);
      out.push(`${this.info.name}_count${labelText(this.info.labels, s.labels)} ${num(s.count)}`);
    }
  }
}

/** A gauge read when metrics are collected (scrape or OTLP export), from state the proxy already keeps. */
export class GaugeMetric {
  private collect: () => Promise<readonly GaugeSample[]> | readonly GaugeSample[] = () => [];

  constructor(readonly info: MetricInfo) {}

  /** Where the samples come from; replaces any earlier source. */
  source(collect: () => Promise<readonly GaugeSample[]> | readonly GaugeSample[]): void {
    this.collect = collect;
  }

  async samples(): Promise<readonly GaugeSample[]> {
    return this.collect();
  }

  /** `beforeRead`: run first on every collection (the SDK runs observable callbacks before it reads counters). */
  attach(meter: Meter, beforeRead?: () => void): void {
    meter.createObservableGauge(this.info.otelName, { description: this.info.help, unit: this.info.unit }).addCallback(async (result) => {
      beforeRead?.();
      for (const s of await this.samples()) result.observe(s.value, attributesOf(this.info.labels, s.labels));
    });
  }

  async render(out: string[]): Promise<void> {
    header(out, this.info, 'gauge');
    for (const s of await this.samples()) out.push(`${this.info.name}${labelText(this.info.labels, s.labels)} ${num(s.value)}`);
  }
}

export type Metric = CounterMetric | HistogramMetric | GaugeMetric;

export class MetricRegistry {
  private readonly metrics: Metric[] = [];
  private readonly beforeRead: (() => void)[] = [];

  /** `f` runs before every read of the metrics (a render, an OTLP collection): updates held back go in first. */
  onRead(f: () => void): void {
    this.beforeRead.push(f);
  }

  /** Runs the `onRead` hooks. */
  settle(): void {
    for (const f of this.beforeRead) f();
  }

  counter(info: MetricInfo): CounterMetric {
    return this.add(new CounterMetric(info));
  }

  histogram(info: MetricInfo, buckets: readonly number[]): HistogramMetric {
    return this.add(new HistogramMetric(info, buckets));
  }

  gauge(info: MetricInfo): GaugeMetric {
    return this.add(new GaugeMetric(info));
  }

  /** Records every later update on OTel instruments too (OTLP export); gauges become observable gauges. */
  attach(meter: Meter): void {
    const settle = (): void => this.settle();
    for (const m of this.metrics) {
      if (m instanceof GaugeMetric) m.attach(meter, settle);
      else m.attach(meter);
    }
  }

  /**
   * The Prometheus text exposition format (version 0.0.4). A gauge whose source fails is left out (with a
   * comment saying so) rather than failing the scrape.
   */
  async render(): Promise<string> {
    this.settle();
    const out: string[] = [];
    for (const m of this.metrics) {
      if (m instanceof GaugeMetric) {
        const part: string[] = [];
        try {
          await m.render(part);
          out.push(...part);
        } catch {
          out.push(`# ${m.info.name} could not be read`);
        }
      } else {
        m.render(out);
      }
    }
    return `${out.join('\n')}\n`;
  }

  private add<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function header(out: string[], info: MetricInfo, type: string): void {
  out.push(`# HELP ${info.name} ${info.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${info.name} ${type}`);
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function labelText(names: readonly string[], values: LabelValues): string {
  if (names.length === 0) return '';
  const parts: string[] = [];
  for (let i = 0; i < names.length; i++) parts.push(`${names[i]!}="${escapeLabel(values[i] ?? '')}"`);
  return `{${parts.join(',')}}`;
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
