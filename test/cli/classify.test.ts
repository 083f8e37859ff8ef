// `switchyard classify` through main(), as from a shell: the example policy with golden bodies, a policy
// without a Classifier, and the usage, body and policy errors with their exit codes.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, scratch } from '../support/cli.js';

const root = resolve(import.meta.dirname, '../..');
const golden = (name: string): unknown => (JSON.parse(readFileSync(join(root, 'test/classify/fixtures', name), 'utf8')) as { body: unknown }).body;

const POLICY = `apiVersion: switchyard.dev/v1
kind: Organization
metadata: { name: acme }
spec: { dataClasses: [internal], tasks: [general, code], defaults: { dataClass: internal, task: general } }
`;

const work = scratch({
  'code.json': JSON.stringify(golden('mostly-code.openai.json')),
  'contract.json': JSON.stringify(golden('long-contract-review.anthropic.json')),
  'hello.json': JSON.stringify(golden('hello.anthropic.json')),
  'not-json.json': '{"model": "auto", ',
  'no-messages.json': '{"model": "auto"}',
  'bare/policy.yaml': POLICY,
  'broken/policy.yaml': POLICY.replace('tasks:', 'taskz:'),
});
afterAll(() => work.cleanup());

const classify = (...argv: string[]) => runCli(['classify', ...argv], work.dir);

describe('switchyard classify', () => {
  it('prints the features, the rule that fired and the task and complexity it sets', async () => {
    const r = await classify(join(root, 'policies'), '--request-file', 'code.json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('protocol:   openai');
    expect(r.stdout).toMatch(/^ {2}codeDensity {5}0\.\d+$/m);
    expect(r.stdout).toMatch(/^ {2}userKeywords {4}\(none\)$/m);
    expect(r.stdout).toMatch(/^classifier: Classifier\/by-content \(.*policies\/classifier\.yaml:\d+\)$/m);
    expect(r.stdout).toMatch(/^rule: {7}`mostly-code` \(.*policies\/classifier\.yaml:\d+\)$/m);
    expect(r.stdout).toContain('task:       `code` (rule)\n');
    expect(r.stdout).toContain('complexity: `medium` (rule)\n');
  });

  it('detects an Anthropic body and prints JSON on request', async () => {
    const r = await classify(join(root, 'policies'), '-r', 'contract.json', '--format', 'json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ protocol: 'anthropic', task: 'general', taskFrom: 'classifier default', complexity: 'high', complexityFrom: 'rule' });
    expect(out.rule).toMatchObject({ index: 0, name: 'long-legal-or-financial' });
    expect(out.features).toMatchObject({ turns: 1, messages: 1, maxTokens: 2048, userKeywords: expect.arrayContaining(['clause*', 'indemnif*', 'liabilit*']) });
    // The features are what `explain --request` takes: no text of the body.
    expect(r.stdout).not.toContain('Supplier');
  });

  it('prints the same outcome as a Markdown table and as a GitHub notice', async () => {
    const json = JSON.parse((await classify(join(root, 'policies'), '-r', 'code.json', '-f', 'json')).stdout) as { features: { promptTokens: number } };
    const md = await classify(join(root, 'policies'), '-r', 'code.json', '--format', 'markdown');
    expect(md.code).toBe(0);
    expect(md.stdout.split('\n')[0]).toBe('### Switchyard classify: task `code` (rule), complexity `medium`');
    expect(md.stdout).toMatch(/^Protocol openai; decided by rule `mostly-code` of `Classifier\/by-content` \(`.*policies\/classifier\.yaml:\d+`\)\.$/m);
    expect(md.stdout).toContain(`| promptTokens | ${json.features.promptTokens} |`);
    expect(md.stdout).toContain('| userKeywords | (none) |');
    const gh = await classify(join(root, 'policies'), '-r', 'code.json', '--format', 'github');
    expect(gh.stdout).toBe(`::notice title=switchyard classify::task code (rule), complexity medium; rule mostly-code of Classifier/by-content; ${json.features.promptTokens} prompt tokens\n`);
  });

  it('reads the body in the protocol it is told', async () => {
    const r = await classify(join(root, 'policies'), '-r', 'hello.json', '--protocol', 'openai', '-f', 'json');
    expect((JSON.parse(r.stdout) as { protocol: string }).protocol).toBe('openai');
  });

  it('says so when the default applies, and when the policy has no Classifier', async () => {
    const hello = await classify(join(root, 'policies'), '-r', 'hello.json');
    expect(hello.stdout).toContain('rule:       none matched, the default applies\n');
    expect(hello.stdout).toContain('task:       `general` (classifier default)\n');
    expect(hello.stdout).toContain('complexity: (none)\n');
    const bare = await classify('bare', '-r', 'hello.json');
    expect(bare.code).toBe(0);
    expect(bare.stdout).toContain('classifier: none in this policy\n');
    expect(bare.stdout).toContain('task:       `general` (organization default)\n');
  });

  it('exits 2 on usage and body errors, 1 on an invalid policy', async () => {
    const missing = await classify('bare');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('switchyard classify: `--request-file` is required');
    expect((await classify('bare', '-r', 'hello.json', '--protocol', 'grpc')).stderr).toContain('`--protocol` must be `openai` or `anthropic`, got `grpc`');
    expect((await classify('bare', '-r', 'absent.json')).stderr).toContain('cannot read `absent.json` (ENOENT)');
    expect((await classify('bare', '-r', 'not-json.json')).stderr).toMatch(/`not-json\.json` is not valid JSON: /);
    const noMessages = await classify('bare', '-r', 'no-messages.json');
    expect(noMessages.code).toBe(2);
    expect(noMessages.stderr).toContain('`no-messages.json` is not a chat request body: it needs a `messages` list');
    expect((await classify('nowhere', '-r', 'hello.json')).stderr).toContain('`nowhere` is not a directory');
    const broken = await classify('broken', '-r', 'hello.json');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('error');
    expect(broken.stderr).toContain('the policy in `broken` is invalid; nothing classified');
  });
});
