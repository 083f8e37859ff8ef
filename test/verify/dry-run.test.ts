// dry-run aggregates on a small hand-written traffic file: counts, shares, denials and cost, exactly.
import { describe, expect, it } from 'vitest';
import { DryRun, dryRunRecords } from '../../src/verify/dry-run.js';
import { formatDryRunMarkdown, formatDryRunText } from '../../src/verify/dry-run-format.js';
import { trafficFromLines, type TrafficRecord } from '../../src/verify/traffic.js';
import { costAt, graphOf, POLICY, TRAFFIC, TRAFFIC_TEXT } from './diff-fixtures.js';

function records(text = TRAFFIC_TEXT): TrafficRecord[] {
  const out: TrafficRecord[] = [];
  for (const item of trafficFromLines(text.split('\n'))) {
    if (item.kind !== 'record') throw new Error(`unexpected problem ${JSON.stringify(item.problem)}`);
    out.push(item.record);
  }
  return out;
}

describe('dry-run', () => {
  const graph = graphOf(POLICY);

  it('counts requests per route and model with their shares, largest first', () => {
    const r = dryRunRecords(graph, records());
    expect(r.requests).toBe(10);
    expect(r.routed).toBe(9);
    expect(r.denied).toBe(1);
    expect(r.routes.map((x) => [x.route, x.model, x.requests, x.share])).toEqual([
      ['code', 'big-us', 4, 0.4],
      ['eng-all', 'small-eu', 3, 0.3],
      ['support-chat', 'small-us', 2, 0.2],
    ]);
    expect(r.denials).toEqual([{ code: 'invalid_request', requests: 1, share: 0.1, rules: [{ rule: 'Organization/acme', requests: 1 }] }]);
  });

  it('prices each record at its primary model, divided by the time span of the file', () => {
    const r = dryRunRecords(graph, records());
    const code = [0, 1, 2, 5].reduce((s, i) => s + costAt(i, 'big-us'), 0);
    const chat = [3, 4].reduce((s, i) => s + costAt(i, 'small-us'), 0);
    const eng = [6, 7, 8].reduce((s, i) => s + costAt(i, 'small-eu'), 0);
    expect(r.cost.totalUsd).toBeCloseTo(code + chat + eng, 12);
    // The records span 00:00 to 12:00: half a day.
    expect(r.cost.days).toEqual({ kind: 'time-span', days: 0.5, from: '2025-01-01T00:00:00.000Z', to: '2025-01-01T12:00:00.000Z' });
    expect(r.cost.perDayUsd).toBeCloseTo((code + chat + eng) / 0.5, 12);
    expect(r.routes.find((x) => x.route === 'code')?.costPerDayUsd).toBeCloseTo(code / 0.5, 12);
    expect(r.cost.output).toEqual({ usage: 8, maxTokens: 1, none: 1 });
    // The tokens of what the cost is of: the routed requests (the ghost team's request is denied).
    const routed = TRAFFIC.filter((t) => t.team !== 'ghost');
    expect(r.cost.inputTokens).toBe(routed.reduce((s, t) => s + t.input, 0));
    expect(r.cost.outputTokens).toBe(routed.reduce((s, t) => s + t.output, 0));
  });

  it('an audit record of a request refused for an empty header value is decided again, and refused alike', () => {
    const audit = (context: string): string =>
      `{"kind":"switchyard.audit/v1","time":"2026-11-21T09:00:00Z","requestId":"r1","team":"support","decided":true,"context":${context},"outcome":"deny","deny":{"code":"invalid_request"}}`;
    const r = dryRunRecords(graph, records([audit('{"team":"support","model":"auto","task":""}'), audit('{"team":"support","model":"auto","dataClass":""}')].join('\n')));
    expect(r.requests).toBe(2);
    expect(r.denials.map((d) => [d.code, d.requests])).toEqual([['invalid_request', 2]]);
    expect(r.recorded).toMatchObject({ compared: 2, matching: 2 });
    expect(r.cost.days.kind).toBe('time-span');
  });

  it('says no record was read rather than that the records carry no time', () => {
    const text = formatDryRunText(new DryRun(graph).report(1), { policy: 'policies', traffic: 't.jsonl' });
    expect(text).toContain('no record was read');
    expect(text).not.toContain('carry no `time`');
  });

  it('divides by --days when given, and takes a file without times as one day', () => {
    const withDays = dryRunRecords(graph, records(), { days: 7 });
    expect(withDays.cost.days).toEqual({ kind: 'flag', days: 7 });
    expect(withDays.cost.perDayUsd).toBeCloseTo(withDays.cost.totalUsd / 7, 12);
    const timeless = TRAFFIC.slice(0, 3).map((t) => t.json.replace(/"time":"[^"]*",?/, '')).join('\n');
    const r = dryRunRecords(graph, records(timeless));
    expect(r.cost.days).toEqual({ kind: 'assumed', days: 1 });
    expect(r.cost.perDayUsd).toBe(r.cost.totalUsd);
  });

  it('a span shorter than an hour counts as an hour', () => {
    const lines = ['{"team":"eng","model":"auto","time":"2025-01-01T00:00:00Z"}', '{"team":"eng","model":"auto","time":"2025-01-01T00:10:00Z"}'];
    expect(dryRunRecords(graph, records(lines.join('\n'))).cost.days).toMatchObject({ kind: 'time-span', days: 1 / 24 });
  });

  it('applies --budgets percentages to every request', () => {
    const withBudget = POLICY + `---
apiVersion: switchyard.dev/v1
kind: Budget
metadata: { name: eng-monthly }
spec: { match: { teams: [eng] }, per: team, window: month, limitUsd: 100 }
`;
    const g = graphOf(withBudget);
    const spent = dryRunRecords(g, records(), { budgets: { 'eng-monthly': 100 } });
    // The five eng records are denied; the rest route as before.
    expect(spent.denials.find((d) => d.code === 'budget_exhausted')).toMatchObject({ requests: 5, rules: [{ rule: 'Budget/eng-monthly', requests: 5 }] });
    expect(dryRunRecords(g, records()).denials.map((d) => d.code)).toEqual(['invalid_request']);
  });

  it('compares audit records with what they recorded', () => {
    const lines = [
      '{"context":{"team":"eng","task":"code","model":"auto"},"outcome":"route","route":"code","model":"big-us"}',
      '{"context":{"team":"eng","task":"code","model":"auto"},"outcome":"route","route":"code","model":"small-us"}',
      '{"context":{"team":"ghost","model":"auto"},"outcome":"deny","deny":{"code":"invalid_request"}}',
    ];
    const r = dryRunRecords(graph, records(lines.join('\n')));
    expect(r.recorded.compared).toBe(3);
    expect(r.recorded.matching).toBe(2);
    expect(r.recorded.mismatches).toEqual([{ line: 2, recorded: { outcome: 'route', route: 'code', model: 'small-us' }, decided: { outcome: 'route', route: 'code', model: 'big-us' } }]);
  });

  it('adds one record at a time and returns its decision', () => {
    const run = new DryRun(graph);
    const [first] = records();
    if (first === undefined) throw new Error('no record');
    expect(run.add(first).candidates[0]?.model).toBe('big-us');
    expect(run.report(3)).toMatchObject({ requests: 1, skipped: 3 });
  });

  it('text and markdown say how many records lacked an output count and what a day is', () => {
    const r = dryRunRecords(graph, records());
    const text = formatDryRunText(r, { policy: 'policies', traffic: 'traffic.jsonl' });
    expect(text).toContain('10 requests: 9 routed (90.0%), 1 denied (10.0%)');
    expect(text).toContain('1 without an output count');
    expect(text).toContain('1 taken from maxTokens');
    expect(text).toContain('the traffic spans 12.0 h');
    expect(text).toMatch(/^code\s+big-us\s+4\s+40\.0%/m);
    const md = formatDryRunMarkdown(r, { policy: 'policies', traffic: 'traffic.jsonl' });
    expect(md).toContain('| `code` | `big-us` | 4 | 40.0% |');
    expect(md).toContain('| `invalid_request` | `Organization/acme` | 1 | 10.0% |');
  });
});
