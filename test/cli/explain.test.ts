// `switchyard explain` driven as a plain function with buffers, against the example organisation in policies/
// and against small directories written per test.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { budgetStateFromPercents, compile, decide, type Decision } from '../../src/engine/index.js';
import { loadPolicy, type PolicySet } from '../../src/policy/index.js';

const root = resolve(import.meta.dirname, '../..');

async function explain(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), cwd: root, env: {} };
  const code = await main(['explain', ...argv], io);
  return { code, out, err };
}

let policy: PolicySet;
let scratch: string;
beforeAll(async () => {
  const loaded = await loadPolicy(resolve(root, 'policies'), { cwd: root, env: {} });
  if (!loaded.ok) throw new Error('policies/ does not load');
  policy = loaded.policy;
  scratch = await mkdtemp(join(tmpdir(), 'switchyard-explain-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('switchyard explain', () => {
  it('prints the decision as text: request, outcome, route, candidates and the numbered trace with file:line', async () => {
    const { code, out, err } = await explain('--request', '{"team":"engineering","task":"code","model":"auto"}');
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe('request: {"team":"engineering","task":"code","model":"auto"}');
    expect(lines[1]).toBe('outcome: route');
    expect(lines).toContain('candidates:');
    expect(out).toMatch(/^ {2}1\. \S+ +primary +provider \S+, upstream model \S+$/m);
    expect(out).toMatch(/^ {2}\d\. route +match +Route\/\S+ \(policies\/routes\.yaml:\d+\)$/m);
    expect(out).toMatch(/^ {2}\d\. result +route +Route\/\S+ \(policies\/routes\.yaml:\d+\)$/m);
  });

  it('prints the Decision shape with --format json, the same decision the engine returns', async () => {
    const ctx = { team: 'support', dataClass: 'pii-eu', task: 'chat', model: 'auto' };
    const { code, out } = await explain('policies', '--request', JSON.stringify(ctx), '--format', 'json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toStrictEqual(JSON.parse(JSON.stringify(decide(compile(policy), ctx))));
  });

  it('answers every Test document of policies/ the way it expects', async () => {
    expect(policy.tests.size).toBeGreaterThan(5);
    for (const t of policy.tests.values()) {
      const argv = ['--request', JSON.stringify(t.spec.request), '--format', 'json'];
      if (t.spec.budgets) argv.push('--budgets', JSON.stringify(t.spec.budgets));
      const { code, out } = await explain(...argv);
      expect(code, t.name).toBe(0);
      const d = JSON.parse(out) as Decision;
      const [primary, ...fallbacks] = d.candidates;
      const got: Record<string, unknown> = { route: d.route, model: primary?.model, provider: primary?.provider, fallbacks: fallbacks.map((c) => c.model), deny: d.deny?.code };
      for (const [key, want] of Object.entries(t.spec.expect)) expect(got[key], `${t.name}: ${key}`).toStrictEqual(want);
    }
  });

  it('applies --budgets as percent used of the named budgets', async () => {
    const name = [...policy.budgets.keys()][0]!;
    const ctx = { team: [...policy.teams.keys()][0]!, model: 'auto' };
    const { code, out } = await explain('--request', JSON.stringify(ctx), '--budgets', JSON.stringify({ [name]: 100 }), '-f', 'json');
    expect(code).toBe(0);
    const want = decide(compile(policy), ctx, budgetStateFromPercents(policy, { [name]: 100 }));
    expect(JSON.parse(out)).toStrictEqual(JSON.parse(JSON.stringify(want)));
  });

  it('prints the decision as a Markdown comment and as a GitHub annotation, with the engine\'s candidates and trace', async () => {
    const ctx = { team: 'engineering', task: 'code', model: 'auto' };
    const want = decide(compile(policy), ctx);
    const md = await explain('--request', JSON.stringify(ctx), '--format', 'markdown');
    expect(md.code).toBe(0);
    const lines = md.out.split('\n');
    expect(lines[0]).toBe(`### Switchyard explain: route \`${want.route}\` → \`${want.candidates[0]!.model}\``);
    for (const [i, c] of want.candidates.entries()) {
      expect(lines).toContain(`| ${i + 1} | \`${c.model}\` | ${i === 0 ? 'primary' : 'fallback'} | \`${c.provider}\` | \`${c.upstreamModel}\` |`);
    }
    // One row per trace step, numbered, with its source.
    const traceRows = lines.filter((l) => /^\| \d+ \| /.test(l)).slice(want.candidates.length);
    expect(traceRows).toHaveLength(want.trace.length);
    const sourced = want.trace.find((s) => s.source !== undefined)!;
    expect(md.out).toContain(`\`${sourced.source}\``);

    const gh = await explain('--request', JSON.stringify(ctx), '--format', 'github');
    expect(gh.code).toBe(0);
    expect(gh.out).toBe(`::notice title=switchyard explain::route ${want.route}: ${want.candidates.map((c, i) => `${c.model} (${i === 0 ? 'primary' : 'fallback'}, ${c.provider})`).join(', ')}; policy ${want.policyVersion}\n`);

    const denied = { team: 'engineering', model: 'auto', dataClass: 'phi' };
    const deny = decide(compile(policy), denied);
    const ghDeny = await explain('--request', JSON.stringify(denied), '-f', 'github');
    expect(ghDeny.out).toBe(`::warning title=switchyard explain%3A ${deny.deny!.code}::${deny.deny!.message} (decided by ${deny.deny!.rule})\n`);
    const mdDeny = await explain('--request', JSON.stringify(denied), '-f', 'markdown');
    expect(mdDeny.out.split('\n')[0]).toBe(`### Switchyard explain: denied with \`${deny.deny!.code}\` by \`${deny.deny!.rule}\``);
  });

  it('warns about a request field it does not know, with the field it probably meant, and decides without it', async () => {
    const typo = await explain('--request', '{"team":"engineering","model":"auto","dataclass":"confidential"}', '-f', 'json');
    expect(typo.code).toBe(0);
    expect(typo.err).toBe('switchyard explain: warning: `--request` field `dataclass` is not a request context field and is ignored — did you mean `dataClass`?\n');
    const plain = await explain('--request', '{"team":"engineering","model":"auto"}', '-f', 'json');
    expect(plain.err).toBe('');
    expect(JSON.parse(typo.out)).toStrictEqual(JSON.parse(plain.out));
  });

  it('reads --request @file and explains denials with exit 0', async () => {
    const file = join(scratch, 'request.json');
    await writeFile(file, JSON.stringify({ team: 'engineering', dataClass: 'phi', model: 'auto' }));
    const { code, out } = await explain('--request', `@${file}`);
    expect(code).toBe(0);
    expect(out).toContain('outcome: deny\ndeny:    data_class_not_allowed\n');
    expect(out).toMatch(/^rule: {4}Team\/engineering$/m);
  });

  it('decides a complexity, data class or task outside the vocabulary as invalid_request, alike', async () => {
    for (const field of [{ complexity: 'huge' }, { dataClass: 'topsecret' }, { task: 'nope' }]) {
      const { code, out } = await explain('--request', JSON.stringify({ team: 'engineering', model: 'auto', ...field }), '-f', 'json');
      expect(code).toBe(0);
      const d = JSON.parse(out) as { outcome: string; deny?: { code: string; message: string } };
      expect(d.outcome).toBe('deny');
      expect(d.deny?.code).toBe('invalid_request');
      expect(d.deny?.message).toContain(`\`${Object.values(field)[0]}\``);
    }
  });

  it.each([
    [['--request', '{"team": '], '`--request` is not valid JSON'],
    [['--request', '{"model":"auto","promptTokens":-5}'], 'invalid `--request`: the request needs `team`; `promptTokens` must be >= 0'],
    [['--request', '@does/not/exist.json'], 'cannot read `does/not/exist.json` for `--request` (ENOENT)'],
    [['--request', '{"team":"support","model":"auto"}', '--budgets', '{"nope": 5}'], 'unknown budget `nope` in `--budgets`'],
    [['--request', '{"team":"support","model":"auto"}', '--budgets', '[1]'], '`--budgets` must be an object'],
    [['--request', '{"team":"support","model":"auto"}', '--format', 'yaml'], 'unknown format `yaml`; use one of text, json, markdown, github'],
    [['--request', '{"team":"support","model":"auto"}', 'no-such-dir'], '`no-such-dir` is not a directory'],
    [[], '`--request` is required'],
  ])('exits 2 on %j', async (argv, message) => {
    const { code, out, err } = await explain(...argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(`switchyard explain: ${message}`);
  });

  it('prints the diagnostics and exits 1 when the policy is invalid', async () => {
    const dir = join(scratch, 'broken');
    await mkdir(dir);
    await writeFile(join(dir, 'org.yaml'), 'apiVersion: switchyard.dev/v1\nkind: Organization\nmetadata: { name: acme }\nspec:\n  dataClasses: [public\n');
    const { code, out, err } = await explain(dir, '--request', '{"team":"a","model":"auto"}');
    expect(code).toBe(1);
    expect(out).toMatch(/org\.yaml:\d+:\d+: error \w+: /);
    expect(err).toContain('is invalid; nothing decided');
  });
});
