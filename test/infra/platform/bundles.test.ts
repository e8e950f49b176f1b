/**
 * What each function's bundle holds, built as the functions are bundled (ESBUILD_OPTIONS, from BUNDLING and BUNDLE_ALIASES, of
 * infra/platform/refresh-function.ts, rebuilt by the benchmark's rebuildBundle): each handler composes only the AWS
 * adapters its workflow uses (lambdas/kernel/runtime.ts, lambdaRuntime), so its bundle holds only those SDK clients;
 * and the source map, which leaves out the sources' text, still maps a stack trace to the TypeScript line.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { buildApp } from '../../../infra/app';
import { ESBUILD_OPTIONS, esbuildOptionsWithout, type OptionalClient } from '../../../infra/platform/refresh-function';
import { rebuildBundle } from '../../../scripts/bench/cold-start';
import { SKIP_BUNDLING, exampleConfig, newApp } from '../helpers';

const ROOT = path.join(__dirname, '..', '..', '..');

/**
 * The SDK clients each function may hold, and why: with every feature a region may use (the benchmark's rebuild,
 * ESBUILD_OPTIONS). A region's functions leave out those their configuration never builds (LEAN_CLIENTS).
 */
const CLIENTS: Record<string, string[]> = {
  // The preflight of credentials mode `secret` reads the secret; no SSM (see below).
  // A dns-switch pair's live instance is where its Route 53 record points.
  'start-refresh': ['client-dynamodb', 'client-rds', 'client-route-53', 'client-secrets-manager', 'client-sns'],
  // Finishing a run sets y's master credentials: Secrets Manager (`secret`) and SSM (`managed`); a swap mode's
  // finish invokes the pair's validation function before its switch (Lambda); dns-switch points its record (Route 53).
  'on-rds-event': ['client-dynamodb', 'client-lambda', 'client-rds', 'client-route-53', 'client-secrets-manager', 'client-sns', 'client-ssm'],
  watchdog: ['client-dynamodb', 'client-lambda', 'client-rds', 'client-route-53', 'client-secrets-manager', 'client-sns', 'client-ssm'],
  // A pass reads y, the active run and the snapshots, and deletes snapshots: nothing else.
  retention: ['client-dynamodb', 'client-rds'],
  'copy-snapshot': ['client-rds', 'client-sns', 'client-sqs'],
};

/**
 * What a region of delete-first pairs without staging hooks (cdk.json's example) bundles: Route 53 only for a
 * dns-switch pair, Lambda only for a pair's SQL function (a swap mode's validation, staging hooks), each a stand-in
 * otherwise (CLIENT_STAND_INS of infra/platform/refresh-function.ts).
 */
const LEAN_CLIENTS: Record<string, string[]> = {
  'start-refresh': ['client-dynamodb', 'client-rds', 'client-secrets-manager', 'client-sns'],
  'on-rds-event': ['client-dynamodb', 'client-rds', 'client-secrets-manager', 'client-sns', 'client-ssm'],
  watchdog: ['client-dynamodb', 'client-rds', 'client-secrets-manager', 'client-sns', 'client-ssm'],
  retention: ['client-dynamodb', 'client-rds'],
};

/** A handler built as rebuildBundle builds it, with the stand-ins of `unused`: its size and the files with code in it. */
async function rebuildWithout(entry: string, unused: readonly OptionalClient[]): Promise<{ bytes: number; files: string[] }> {
  const result = await build({ ...esbuildOptionsWithout(unused), mainFields: [...ESBUILD_OPTIONS.mainFields], entryPoints: [entry], absWorkingDir: ROOT, outfile: path.join(ROOT, '.bench-tmp', 'rebuild-lean', 'index.js'), write: false, metafile: true, logLevel: 'warning' });
  const index = result.outputFiles.find((f) => f.path.endsWith(`${path.sep}index.js`))!;
  const output = Object.entries(result.metafile.outputs).find(([name]) => name.endsWith('index.js'))![1];
  return { bytes: index.contents.byteLength, files: Object.entries(output.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([file]) => file).sort() };
}

/** The SDK clients a bundle holds code of. */
const clientsIn = (files: readonly string[]) => [...new Set(files.map((f) => /node_modules\/@aws-sdk\/(client-[^/]+)\//.exec(f)?.[1]).filter((c): c is string => c !== undefined))].sort();

const bundles = new Map<string, Awaited<ReturnType<typeof rebuildBundle>>>();

beforeAll(async () => {
  for (const name of Object.keys(CLIENTS)) bundles.set(name, await rebuildBundle(path.join(ROOT, 'lambdas', 'handlers', `${name}.ts`)));
}, 60_000);

/** Every TypeScript file under a directory. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

describe("each function's bundle", () => {
  it.each(Object.entries(CLIENTS))('%s holds the SDK clients of the adapters its handler uses, and no other', (name, clients) => {
    expect(clientsIn(bundles.get(name)!.files)).toEqual(clients);
  });

  it("leaves out, for a region of delete-first pairs (cdk.json's example), Route 53 and Lambda, which its configuration never builds: some 160 KiB less in on-rds-event and the watchdog, 80 KiB in start-refresh", async () => {
    const stack = buildApp(exampleConfig(), newApp(SKIP_BUNDLING)).stacks.get('eu-central-1')!;
    const fns = { 'start-refresh': stack.startRefresh, 'on-rds-event': stack.onRdsEvent, watchdog: stack.watchdog, retention: stack.retention! };
    const saved: [string, number][] = [];
    for (const [name, fn] of Object.entries(fns)) {
      // What the stack bundles the function with.
      expect([name, fn.standInClients]).toEqual([name, ['@aws-sdk/client-route-53', '@aws-sdk/client-lambda']]);
      const lean = await rebuildWithout(path.join(ROOT, 'lambdas', 'handlers', `${name}.ts`), fn.standInClients);
      expect([name, clientsIn(lean.files)]).toEqual([name, LEAN_CLIENTS[name]]);
      expect([name, lean.files.filter((f) => /lambdas\/aws\/no-(route-53|lambda)\.ts$/.test(f)).length > 0]).toEqual([name, name !== 'retention']);
      saved.push([name, Math.round((bundles.get(name)!.bytes - lean.bytes) / 1024)]);
    }
    // KiB left out (measured: 84, 158, 158, 0): start-refresh's Route 53, on-rds-event's and the watchdog's Route 53 and
    // Lambda; retention never held either.
    expect(saved.map(([name, kib]) => [name, kib >= (name === 'retention' ? 0 : name === 'start-refresh' ? 70 : 140)])).toEqual(Object.keys(fns).map((name) => [name, true]));
    expect(saved.find(([name]) => name === 'retention')?.[1]).toBe(0);
  }, 60_000);

  it('keeps Route 53 for a dns-switch pair and Lambda for a pair with staging hooks: the stack bundles what the configuration builds', () => {
    const config = exampleConfig();
    const vpc = { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] };
    config.pairs.push(
      { source: { instanceId: 'crm-prod', region: 'eu-west-1' }, replica: { instanceId: 'crm-staging', region: 'eu-central-1' }, credentials: { mode: 'managed' }, refresh: { mode: 'dns-switch', dns: { hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'crm.db.internal' }, validation: { tables: ['public.orders'], vpc } } },
      { source: { instanceId: 'shop-prod', region: 'eu-west-1' }, replica: { instanceId: 'shop-staging', region: 'us-east-1' }, credentials: { mode: 'managed' }, staging: { hooks: { afterRestore: ['infra/examples/staging-safety/sql/10-mask.sql'] }, onFailure: 'delete', runner: { vpc } } },
    );
    const { stacks } = buildApp(config, newApp(SKIP_BUNDLING));
    const standIns = (region: string) => {
      const s = stacks.get(region)!;
      return [s.startRefresh, s.onRdsEvent, s.watchdog].map((f) => f.standInClients);
    };
    // The dns-switch pair's region: Route 53 everywhere; Lambda for on-rds-event and the watchdog, which invoke its SQL function.
    expect(standIns('eu-central-1')).toEqual([['@aws-sdk/client-lambda'], [], []]);
    // The region of a delete-first pair with hooks: Lambda for on-rds-event and the watchdog, which run them; no Route 53.
    expect(standIns('us-east-1')).toEqual([['@aws-sdk/client-route-53', '@aws-sdk/client-lambda'], ['@aws-sdk/client-route-53'], ['@aws-sdk/client-route-53']]);
  });

  it('start-refresh is built without SSM: the one parameter write is in the step after a restore, which it never runs', () => {
    // The parameter store has one caller, the credentials step after a restore (lambdas/refresh/credentials.ts). The
    // refresh strategy carries both halves of a refresh (start, and events), so that code is in start-refresh's bundle
    // too, but start-refresh only calls the strategy's start half: its `withoutParameterStore` fails loudly if that
    // ever changes (test/lambdas/kernel/runtime.test.ts), and the client list above shows no SSM client in its bundle.
    const calls = sources(path.join(ROOT, 'lambdas')).flatMap((f) => {
      const text = fs.readFileSync(f, 'utf8');
      return [...text.matchAll(/\bdeps\.parameters\b[^\n]*/g)].map((m) => ({ file: path.relative(ROOT, f).split(path.sep).join('/'), line: m[0] }));
    });
    expect(calls.map((c) => c.file)).toEqual(['lambdas/refresh/credentials.ts']);
    // The call's own text, which minification keeps: the functions that finish runs hold it.
    const marker = 'The RDS-managed master user secret of';
    expect(calls[0]!.line).toContain(marker);
    expect(bundles.get('on-rds-event')!.code).toContain(marker);
    expect(bundles.get('watchdog')!.code).toContain(marker);
  });

  it('holds no code of the CDK app, the simulation or the scripts', () => {
    for (const [name, { files }] of bundles) expect([name, files.filter((f) => /^(infra|scripts|test)\//.test(f))]).toEqual([name, []]);
  });

  it('is the size the breakdown adds up to', () => {
    for (const [name, { bytes, contents }] of bundles) {
      const parts = contents.reduce((sum, p) => sum + p.bytes, 0);
      // esbuild's runtime helpers and the source-map comment are not in any input.
      expect([name, parts <= bytes && parts > bytes * 0.97]).toEqual([name, true]);
    }
  });

  it('maps a stack trace to the TypeScript file and line with --enable-source-maps, from a map without the sources\' text', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-map-'));
    try {
      const outfile = path.join(dir, 'index.js');
      await build({
        stdin: {
          contents: `import { parseWith, runtimeResourcesSchema } from './lambdas/kernel/config'; try { parseWith(runtimeResourcesSchema, {}, 'probe'); } catch (e) { console.log(e.stack); }`,
          resolveDir: ROOT,
          loader: 'ts',
        },
        ...ESBUILD_OPTIONS,
        mainFields: [...ESBUILD_OPTIONS.mainFields],
        outfile,
        logLevel: 'silent',
      });
      const map = JSON.parse(fs.readFileSync(`${outfile}.map`, 'utf8')) as { sources: string[]; sourcesContent?: unknown };
      expect(map.sourcesContent).toBeUndefined();
      expect(map.sources.some((f) => f.endsWith('lambdas/kernel/config.ts'))).toBe(true);
      const run = (options: string) => spawnSync(process.execPath, [outfile], { env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: options }, encoding: 'utf8' }).stdout;
      expect(run('--enable-source-maps')).toMatch(/lambdas\/kernel\/config\.ts:\d+:\d+/);
      expect(run('')).not.toMatch(/config\.ts/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
