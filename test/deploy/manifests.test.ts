// deploy/ against the code it deploys, so the manifests cannot drift from the proxy: the probes are paths the
// proxy answers, the container serves the directory git-sync writes (the sync root), the flags and variables are
// ones `switchyard serve` knows, the ledger URL reaches the Redis Service, selectors and references resolve;
// the systemd units serve a directory inside the checkout the timer pulls.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLedgerUrl } from '../../src/budget/open.js';
import { serveCommand } from '../../src/cli/serve.js';
import { closeSims, startProxy, startSims, type Proxy, type Sims } from '../proxy/fixture.js';

const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy');
const K8S = join(DEPLOY, 'kubernetes');

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const at = (v: unknown, ...path: (string | number)[]): unknown => path.reduce<unknown>((x, k) => (typeof k === 'number' ? list(x)[k] : obj(x)[k]), v);

const kustomization = obj(parseAllDocuments(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8'))[0]?.toJS());
const resources = list(kustomization.resources).map(String);
const manifests: Obj[] = resources.flatMap((file) => parseAllDocuments(readFileSync(join(K8S, file), 'utf8')).map((d) => obj(d.toJS())));
const find = (kind: string, name: string): Obj => {
  const found = manifests.find((m) => m.kind === kind && at(m, 'metadata', 'name') === name);
  if (found === undefined) throw new Error(`deploy/kubernetes has no ${kind} \`${name}\``);
  return found;
};

const deployment = find('Deployment', 'switchyard');
const pod = obj(at(deployment, 'spec', 'template', 'spec'));
const containers = list(pod.containers).map(obj);
const proxy = containers.find((c) => c.name === 'switchyard') ?? {};
const syncers = [...list(pod.initContainers), ...list(pod.containers)].map(obj).filter((c) => String(c.image).includes('git-sync'));
const args = list(proxy.args).map(String);
const flag = (argv: readonly string[], name: string): string | undefined => {
  const i = argv.indexOf(name);
  if (i !== -1) return argv[i + 1];
  return argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
};

describe('deploy/kubernetes', () => {
  it('lists only files that exist', () => {
    const present = new Set(readdirSync(K8S));
    expect(resources.filter((r) => !present.has(r))).toEqual([]);
  });

  it('serves the directory git-sync writes, from a volume both share, first synced before the proxy starts', () => {
    expect(args[0]).toBe('serve');
    const served = args[1];
    expect(syncers.length).toBe(2);
    for (const s of syncers) expect(flag(list(s.args).map(String), '--root')).toBe(served);
    const mountOf = (c: Obj): string | undefined => list(c.volumeMounts).map(obj).find((m) => m.mountPath === served)?.name as string | undefined;
    const volume = mountOf(proxy);
    expect(volume).toBeDefined();
    for (const s of syncers) expect(mountOf(s)).toBe(volume);
    expect(list(pod.volumes).map(obj).some((v) => v.name === volume)).toBe(true);
    const init = list(pod.initContainers).map(obj);
    expect(init.some((c) => list(c.args).includes('--one-time'))).toBe(true);
    expect(syncers.filter((s) => flag(list(s.args).map(String), '--period') !== undefined)).toHaveLength(1);
  });

  it('uses only flags and variables switchyard serve knows', () => {
    const help = serveCommand.help;
    for (const a of args.filter((x) => x.startsWith('--'))) expect(help, a).toContain(a);
    const env = [find('ConfigMap', 'switchyard-env').data, find('Secret', 'switchyard-secrets').stringData].flatMap((d) => Object.keys(obj(d)));
    for (const name of env.filter((n) => n.startsWith('SWITCHYARD_'))) expect(help, name).toContain(name);
    for (const ref of list(proxy.envFrom).map(obj)) {
      if (ref.configMapRef !== undefined) find('ConfigMap', String(at(ref, 'configMapRef', 'name')));
      if (ref.secretRef !== undefined) find('Secret', String(at(ref, 'secretRef', 'name')));
    }
    for (const s of syncers) for (const ref of list(s.envFrom).map(obj)) find('Secret', String(at(ref, 'secretRef', 'name')));
  });

  it('points every replica at the Redis Service for its ledger', () => {
    const url = String(at(find('ConfigMap', 'switchyard-env'), 'data', 'SWITCHYARD_LEDGER'));
    const parsed = parseLedgerUrl(url);
    expect(parsed).toMatchObject({ ok: true, value: { kind: 'redis' } });
    const { hostname, port } = new URL(url);
    const service = find('Service', hostname);
    expect(list(at(service, 'spec', 'ports')).map(obj).map((p) => String(p.port))).toContain(port);
  });

  it('probes readiness and liveness on the proxy port, which the Service targets', () => {
    const port = list(proxy.ports).map(obj).find((p) => p.name === 'http');
    expect(String(port?.containerPort)).toBe(flag(args, '--port'));
    expect(at(proxy, 'readinessProbe', 'httpGet')).toEqual({ path: '/readyz', port: 'http' });
    expect(at(proxy, 'livenessProbe', 'httpGet')).toEqual({ path: '/healthz', port: 'http' });
    expect(at(find('Service', 'switchyard'), 'spec', 'ports', 0, 'targetPort')).toBe('http');
  });

  it('selects the pods it runs with its Service and PodDisruptionBudget', () => {
    const labels = obj(at(deployment, 'spec', 'template', 'metadata', 'labels'));
    const matches = (selector: unknown): boolean => Object.entries(obj(selector)).every(([k, v]) => labels[k] === v);
    expect(matches(at(deployment, 'spec', 'selector', 'matchLabels'))).toBe(true);
    expect(matches(at(find('Service', 'switchyard'), 'spec', 'selector'))).toBe(true);
    expect(matches(at(find('PodDisruptionBudget', 'switchyard'), 'spec', 'selector', 'matchLabels'))).toBe(true);
  });
});

describe('the probed endpoints', () => {
  let sims: Sims;
  let running: Proxy;
  beforeAll(async () => {
    sims = await startSims();
    running = await startProxy(sims);
  });
  afterAll(async () => {
    await running.close();
    await closeSims(sims);
  });

  it('are answered by the proxy without a key', async () => {
    for (const probe of [at(proxy, 'readinessProbe', 'httpGet', 'path'), at(proxy, 'livenessProbe', 'httpGet', 'path')]) {
      const res = await fetch(`${running.url}${String(probe)}`);
      expect(res.status, String(probe)).toBe(200);
    }
  });
});

describe('deploy/systemd', () => {
  const unit = (name: string): string => readFileSync(join(DEPLOY, 'systemd', name), 'utf8');
  const directive = (text: string, key: string): string => {
    const line = text.split('\n').find((l) => l.startsWith(`${key}=`));
    if (line === undefined) throw new Error(`no ${key}=`);
    return line.slice(key.length + 1);
  };

  it('serves a directory inside the checkout the timer pulls, with flags serve knows', () => {
    const start = directive(unit('switchyard.service'), 'ExecStart').split(/\s+/);
    const serveAt = start.indexOf('serve');
    expect(serveAt).toBeGreaterThan(0);
    const dir = start[serveAt + 1]!;
    for (const a of start.slice(serveAt + 2).filter((x) => x.startsWith('--'))) expect(serveCommand.help, a).toContain(a);
    const pull = directive(unit('switchyard-policy-pull.service'), 'ExecStart').split(/\s+/);
    const repo = pull[pull.indexOf('-C') + 1]!;
    expect(dir === repo || dir.startsWith(`${repo}/`)).toBe(true);
    expect(pull).toContain('pull');
    expect(pull).toContain('--ff-only');
    expect(directive(unit('switchyard-policy-pull.timer'), 'Unit')).toBe('switchyard-policy-pull.service');
    // `systemctl reload` is the proxy's SIGHUP: reload the policy now.
    expect(directive(unit('switchyard.service'), 'ExecReload')).toContain('-HUP');
  });

  it('runs node with the flags `npm start` uses, as the container image does', () => {
    const pkg = JSON.parse(readFileSync(join(DEPLOY, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const flags = pkg.scripts.start!.split(/\s+/).filter((a) => a.startsWith('--'));
    expect(flags.length).toBeGreaterThan(0);
    // systemd's `Environment="NAME=a b"`: the quotes keep a value with spaces one assignment.
    const options = directive(unit('switchyard.service'), 'Environment').replace(/^"NODE_OPTIONS=(.*)"$/, '$1').split(/\s+/);
    const entrypoint = /^ENTRYPOINT (.*)$/m.exec(readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8'))?.[1];
    const image = JSON.parse(entrypoint ?? '[]') as string[];
    for (const f of flags) {
      // A V8 flag NODE_OPTIONS refuses (node exits) is named in the unit's comment, which says where to add it.
      if (process.allowedNodeEnvironmentFlags.has(f.replace(/=.*$/, ''))) expect(options, 'systemd NODE_OPTIONS').toContain(f);
      else expect(unit('switchyard.service'), 'systemd unit').toMatch(new RegExp(`^#.*ExecStart=/usr/bin/node .*${f} .*switchyard\\.js serve`, 'm'));
      expect(image.slice(0, image.indexOf('/app/bin/switchyard.js')), 'Dockerfile ENTRYPOINT').toContain(f);
    }
    // The proxy benchmarks measure switchyard as `npm start` runs it: with the flags of their shared setup.
    const targets = readFileSync(join(DEPLOY, '..', 'bench', 'proxy-targets.mjs'), 'utf8');
    expect(/BENCH_SWITCHYARD_NODE_FLAGS \?\? '([^']*)'/.exec(targets)?.[1]?.split(' '), 'bench/proxy-targets.mjs').toEqual(flags);
    expect(readFileSync(join(DEPLOY, '..', 'bench', 'proxy.bench.mjs'), 'utf8'), 'bench/proxy.bench.mjs').toContain('const nodeFlags = switchyardNodeFlags();');
    for (const name of ['proxy.bench.mjs', 'cpu-per-request.bench.mjs']) {
      expect(readFileSync(join(DEPLOY, '..', 'bench', name), 'utf8'), `bench/${name}`).toMatch(/\.\.\.(nodeFlags|switchyardNodeFlags\(\)), join\(root, 'bin', 'switchyard\.js'\), 'serve'/);
    }
  });

  it('documents only variables serve knows in the environment file', () => {
    const names = unit('switchyard.env.example')
      .split('\n')
      .map((l) => /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(l)?.[1])
      .filter((n): n is string => n !== undefined && n.startsWith('SWITCHYARD_'));
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(serveCommand.help, n).toContain(n);
  });
});
