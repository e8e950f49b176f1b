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
import { ESBUILD_OPTIONS } from '../../../infra/platform/refresh-function';
import { rebuildBundle } from '../../../scripts/bench/cold-start';

const ROOT = path.join(__dirname, '..', '..', '..');

/** The SDK clients each function may hold, and why. */
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
    const files = bundles.get(name)!.files;
    const held = [...new Set(files.map((f) => /node_modules\/@aws-sdk\/(client-[^/]+)\//.exec(f)?.[1]).filter((c): c is string => c !== undefined))].sort();
    expect(held).toEqual(clients);
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
