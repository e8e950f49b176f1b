/**
 * Benchmark section 2, cold start: for each function of the project, the size of the bundle exactly as CDK's
 * bundling ships it, and the module init time of a fresh Node.js process requiring it, against an unminified,
 * unbundled build of the same handler.
 *
 * The bundles come from a real synthesis of the app (bundling on) into a temporary cloud assembly; what each holds,
 * from esbuild's metafile of the same build run again with the bundling options of infra/platform/refresh-function.ts
 * (the benchmark checks that the rebuild has the size of the synthesized bundle). The unbundled
 * build is an esbuild transpile of lambdas/ into a temporary directory inside the repository, so that its `require`s
 * of packages resolve from the repository's node_modules. Both are deleted afterwards.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Metafile } from 'esbuild';
import {
  CONFIG_FILE_ENV,
  copiesSnapshots,
  COPY_CONFIG_FILE,
  COPY_CONFIG_FILE_ENV,
  COPY_RESOURCES_ENV,
  copyResourcesSchema,
  parseConfig,
  parseWith,
  RESOURCES_ENV,
  RUNTIME_CONFIG_FILE,
  runtimeResourcesSchema,
} from '../../lambdas/kernel/config';
import type { OptionalClient } from '../../infra/platform/refresh-function';
import { percentile, round } from './stats';

/** Summary of repeated init-time measurements, in milliseconds. */
export interface InitTimes {
  median: number;
  p90: number;
  runs: number;
}

/** The cold-start figures of one function. */
export interface ColdStartFigure {
  /** 'start-refresh' | 'on-rds-event' | 'watchdog' | 'copy-snapshot' | 'retention' */
  function: string;
  /** index.js exactly as CDK's bundling ships it (the asset in the cloud assembly). */
  bundleBytes: number;
  /** index.js.map in the same asset. */
  sourceMapBytes: number;
  /**
   * What index.js holds: bytes per package (or directory of the project, such as `lambdas/kernel`), largest first,
   * from the metafile of a rebuild with the same options.
   */
  contents: BundlePart[];
  /** Fresh `node` process requiring the bundle, module init only. */
  initMs: InitTimes;
  /**
   * The same with the NODE_OPTIONS the function has in Lambda (`--enable-source-maps`, which loads index.js.map along
   * with index.js): what a cold start in Lambda spends, where {@link initMs} is the bundle alone.
   */
  withNodeOptions: { nodeOptions: string; initMs: InitTimes };
  /** Unminified, unbundled build of the same handler: every file its require loaded, and its init time. */
  unbundled: { bytes: number; initMs: InitTimes };
  /** Unbundled median / bundled median. */
  initRatio: number;
  /** Unbundled bytes / bundled bytes. */
  sizeRatio: number;
}

/** What {@link measureColdStart} returns. */
export interface ColdStartResult {
  method: string;
  node: string;
  figures: ColdStartFigure[];
}

/** The repository root. */
const ROOT = path.resolve(__dirname, '..', '..');

/** The cdk.json context key of the project's configuration (infra/app.ts's CONFIG_CONTEXT_KEY, not imported: that loads the CDK). */
const CONFIG_KEY = 'replicaRefresh';

/** Marks the child's result line, so that anything the module prints while loading cannot be mistaken for it. */
const RESULT_MARKER = '__COLD_START_RESULT__';

/** Longest a child process may take before the benchmark gives up on it. */
const CHILD_TIMEOUT_MS = 30_000;

export const METHOD =
  'Each figure is taken in a fresh `node` process (one discarded warm-up, then N timed runs per build, run one after another): ' +
  'process.hrtime.bigint() around a single require() of the handler module, so it covers module loading, compilation and init ' +
  '(config parsing, SDK client construction) and excludes Node.js start-up, the Lambda runtime\'s own start and any network call ' +
  '(the process gets fake credentials, the configuration file bundled in the asset and placeholder resource names; no call is made). The bundle is the asset of a real `cdk synth` ' +
  '(minified, bundled, NODE_OPTIONS empty, so no source-map loading); the unbundled build is an esbuild transpile of lambdas/ with ' +
  'packages required from node_modules, and its bytes are every file that require loaded. Bundle bytes are index.js alone (index.js.map is a ' +
  'file of its own, read only when a stack trace is formatted with --enable-source-maps); what a bundle holds is esbuild\'s metafile of the same ' +
  'build run again with the options of infra/platform/refresh-function.ts. "With NODE_OPTIONS" times the bundle again in the same runs with the ' +
  'NODE_OPTIONS the function has in Lambda (--enable-source-maps: Node then also reads and parses index.js.map at load).';

// ---------------------------------------------------------------------------------------------------------------
// Statistics

/** Rounds to two decimals (hundredths of a millisecond, or of a ratio). */
export function round2(value: number): number {
  return round(value, 2);
}

/** Median, p90 and count of a list of init times. */
export function summarize(values: readonly number[]): InitTimes {
  return { median: round2(percentile(values, 50)), p90: round2(percentile(values, 90)), runs: values.length };
}

// ---------------------------------------------------------------------------------------------------------------
// What a bundle holds

/** One package's share of a bundle. */
export interface BundlePart {
  /** `@scope/name` or `name` of a package in node_modules, or a directory of the project such as `lambdas/kernel`. */
  package: string;
  /** Bytes of the output file that came from its files. */
  bytes: number;
}

/** The package a bundled file belongs to (the innermost node_modules), or its project directory, two levels deep. */
export function packageOf(input: string): string {
  const parts = input.split('node_modules/');
  if (parts.length > 1) {
    const [first = '', second = ''] = parts.at(-1)!.split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  return input.split('/').filter((p) => p !== '' && p !== '.' && p !== '..').slice(0, 2).join('/');
}

/**
 * Bytes per package of one output of an esbuild metafile, largest first (ties by name).
 * @throws Error when the metafile has no output of that name
 */
export function bundleParts(metafile: Metafile, output: string): BundlePart[] {
  const out = Object.entries(metafile.outputs).find(([name]) => name === output || name.endsWith(`/${output}`))?.[1];
  if (!out) throw new Error(`the metafile has no output ${output}: ${Object.keys(metafile.outputs).join(', ')}`);
  const bytes = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
    if (bytesInOutput > 0) bytes.set(packageOf(input), (bytes.get(packageOf(input)) ?? 0) + bytesInOutput);
  }
  return [...bytes.entries()].map(([pkg, b]) => ({ package: pkg, bytes: b })).sort((a, b) => b.bytes - a.bytes || a.package.localeCompare(b.package));
}

/**
 * Builds a handler as the functions are bundled (infra/platform/refresh-function.ts: ESBUILD_OPTIONS,
 * which NodejsFunction passes to esbuild's command line) in memory, with a metafile.
 * @returns index.js's size and text, what it holds by package, and every file with code in it (relative to the repository)
 */
export async function rebuildBundle(entry: string, unused: readonly OptionalClient[] = []): Promise<{ bytes: number; code: string; contents: BundlePart[]; files: string[] }> {
  const [{ build }, { esbuildOptionsWithout }] = await Promise.all([import('esbuild'), import('../../infra/platform/refresh-function')]);
  // The synthesized function's own options: with the stand-ins of the clients its configuration never builds.
  const options = esbuildOptionsWithout(unused);
  const result = await build({
    ...options,
    mainFields: [...options.mainFields],
    entryPoints: [entry],
    absWorkingDir: ROOT,
    outfile: path.join(ROOT, '.bench-tmp', 'rebuild', 'index.js'),
    write: false,
    metafile: true,
    logLevel: 'warning',
  });
  const index = result.outputFiles.find((f) => f.path.endsWith(`${path.sep}index.js`));
  if (!index) throw new Error(`esbuild wrote no index.js for ${entry}`);
  const output = Object.entries(result.metafile.outputs).find(([name]) => name.endsWith('index.js'))![1];
  const files = Object.entries(output.inputs)
    .filter(([, i]) => i.bytesInOutput > 0)
    .map(([file]) => file)
    .sort();
  return { bytes: index.contents.byteLength, code: index.text, contents: bundleParts(result.metafile, 'index.js'), files };
}

/** `name 12.3` for the largest parts, and the rest summed. */
export function describeContents(contents: readonly BundlePart[], top = 12): string {
  const kib = (b: number) => (b / 1024).toFixed(1);
  const rest = contents.slice(top).reduce((sum, p) => sum + p.bytes, 0);
  return [...contents.slice(0, top).map((p) => `${p.package} ${kib(p.bytes)}`), ...(rest > 0 ? [`${contents.length - top} more ${kib(rest)}`] : [])].join(', ');
}

// ---------------------------------------------------------------------------------------------------------------
// Finding the project's functions in the synthesized templates

/** A CloudFormation template, as far as this module reads it. */
export interface TemplateLike {
  Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> } | undefined>;
}

/**
 * The clients a synthesized function's bundle holds stand-ins for, as RefreshFunction decided them: from its bundled
 * runtime configuration (the pairs) and its environment (validationFunctions, a token when the functions are
 * deployed resources: present or not is what counts). The copy function's configuration keeps every client.
 */
async function standInsOf(fn: ProjectFunction): Promise<OptionalClient[]> {
  const file = path.join(fn.assetDir, RUNTIME_CONFIG_FILE);
  if (!fs.existsSync(file)) return [];
  const { unusedClients } = await import('../../infra/platform/refresh-function');
  const { pairs } = JSON.parse(fs.readFileSync(file, 'utf8')) as { pairs: { refresh: { mode: string } }[] };
  const resources = fn.environment[RESOURCES_ENV];
  const named = JSON.stringify(resources ?? '').includes('validationFunctions');
  return unusedClients({ pairs, ...(named ? { validationFunctions: { named: 'yes' } } : {}) });
}

/** One function of the project, found in a synthesized stack. */
export interface ProjectFunction {
  /** Its POWERTOOLS_SERVICE_NAME, such as `start-refresh`. */
  readonly name: string;
  readonly stackName: string;
  readonly region: string;
  readonly account: string;
  readonly logicalId: string;
  /** The asset's directory in the cloud assembly. */
  readonly assetDir: string;
  /** Its environment variables as synthesized: plain strings, or CloudFormation tokens. */
  readonly environment: Readonly<Record<string, unknown>>;
}

/** Where a stack lives, and its template. */
export interface StackLike {
  readonly stackName: string;
  readonly region: string;
  readonly account: string;
  readonly template: TemplateLike;
}

/**
 * The asset directory of a function's code in the cloud assembly: CDK names the zip `<hash>.zip` in the template
 * and stages its content in `<assembly>/asset.<hash>/`.
 * @throws Error when the code is not an S3 asset key of that form
 */
export function assetDirectory(assemblyDir: string, code: unknown): string {
  const key = (code as { S3Key?: unknown } | undefined)?.S3Key;
  const m = typeof key === 'string' ? /^([0-9a-f]{64})\.zip$/.exec(key) : null;
  if (!m) throw new Error(`function code is not a CDK asset (S3Key <hash>.zip): ${JSON.stringify(code)}`);
  return path.join(assemblyDir, `asset.${m[1]}`);
}

/**
 * The project's functions in a stack: AWS::Lambda::Function with handler `index.handler` and a plain-string
 * POWERTOOLS_SERVICE_NAME (its name). CDK's own provider functions (the cross-region export writer and reader,
 * custom-resource providers) have neither and are skipped.
 */
export function projectFunctions(assemblyDir: string, stack: StackLike): ProjectFunction[] {
  const found: ProjectFunction[] = [];
  for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
    if (resource?.Type !== 'AWS::Lambda::Function') continue;
    const props = resource.Properties ?? {};
    if (props.Handler !== 'index.handler') continue;
    const variables = (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const name = variables.POWERTOOLS_SERVICE_NAME;
    if (typeof name !== 'string' || name.length === 0) continue;
    found.push({
      name,
      stackName: stack.stackName,
      region: stack.region,
      account: stack.account,
      logicalId,
      assetDir: assetDirectory(assemblyDir, props.Code),
      environment: variables,
    });
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// The environment a child process gets

/** A placeholder for a resource the configuration names by a token, chosen by the JSON key it is the value of. */
export function placeholderFor(key: string, region: string, account: string): string {
  if (/url$/i.test(key)) return `https://sqs.${region}.amazonaws.com/${account}/bench-placeholder`;
  if (/arn$/i.test(key)) {
    if (/topic/i.test(key)) return `arn:aws:sns:${region}:${account}:bench-placeholder`;
    if (/kms|key/i.test(key)) return `arn:aws:kms:${region}:${account}:key/00000000-0000-0000-0000-000000000000`;
    return `arn:aws:iam::${account}:role/bench-placeholder`;
  }
  return 'bench-placeholder';
}

/**
 * The value of an environment variable with its CloudFormation tokens replaced by placeholders: a plain string as
 * it is; an `Fn::Join` of strings and tokens, each token standing as a JSON string value (`"key":"<token>"`),
 * with a placeholder chosen by its key. Undefined when the value has any other form.
 */
export function resolveTokens(value: unknown, region: string, account: string): string | undefined {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: unknown } | null | undefined)?.['Fn::Join'];
  if (!Array.isArray(join) || join.length !== 2) return undefined;
  const [separator, parts] = join as [unknown, unknown];
  if (typeof separator !== 'string' || !Array.isArray(parts)) return undefined;
  let out = '';
  for (const [i, part] of (parts as unknown[]).entries()) {
    let piece: string;
    if (typeof part === 'string') {
      piece = part;
    } else {
      const key = /"([A-Za-z0-9_]+)"\s*:\s*"$/.exec(out)?.[1];
      if (key === undefined) return undefined;
      piece = placeholderFor(key, region, account);
    }
    out += (i > 0 ? separator : '') + piece;
  }
  return out;
}

/** The environment variable that names a function's resources: which configuration it reads. */
export type ConfigKind = typeof RESOURCES_ENV | typeof COPY_RESOURCES_ENV;

/** Which configuration a function reads, by the environment variable it carries. */
export function configKind(environment: Readonly<Record<string, unknown>>): ConfigKind {
  if (COPY_RESOURCES_ENV in environment) return COPY_RESOURCES_ENV;
  if (RESOURCES_ENV in environment) return RESOURCES_ENV;
  throw new Error(`the function's environment has neither ${RESOURCES_ENV} nor ${COPY_RESOURCES_ENV}`);
}

function schemaOf(kind: ConfigKind): typeof copyResourcesSchema | typeof runtimeResourcesSchema {
  return kind === COPY_RESOURCES_ENV ? copyResourcesSchema : runtimeResourcesSchema;
}

/** The configuration file a function of this kind has next to its index.js, and the variable that points elsewhere. */
export function configFileOf(kind: ConfigKind): { name: string; env: string } {
  return kind === COPY_RESOURCES_ENV ? { name: COPY_CONFIG_FILE, env: COPY_CONFIG_FILE_ENV } : { name: RUNTIME_CONFIG_FILE, env: CONFIG_FILE_ENV };
}

/**
 * Valid resource names for a function of `region` (the configuration file itself is in its asset), built with
 * placeholders: the ledger and topic, or (for the copy function) the queue, topic and each replica region's project
 * key that its pairs copy with.
 */
export function configFromContext(context: unknown, kind: ConfigKind, region: string): string {
  const cfg = parseConfig(context);
  const value =
    kind === COPY_RESOURCES_ENV
      ? {
          deferQueueUrl: placeholderFor('deferQueueUrl', region, cfg.account),
          notificationTopicArn: placeholderFor('notificationTopicArn', region, cfg.account),
          projectKeys: [...new Set(cfg.pairs.filter((p) => copiesSnapshots(p, cfg) && p.source.region === region && !p.copy.replicaKmsKeyArn).map((p) => p.replica.region))].map((r) => ({
            region: r,
            keyArn: placeholderFor('keyArn', r, cfg.account),
          })),
        }
      : {
          ledgerTableName: placeholderFor('ledgerTableName', region, cfg.account),
          notificationTopicArn: placeholderFor('notificationTopicArn', region, cfg.account),
        };
  parseWith(schemaOf(kind), value, kind);
  return JSON.stringify(value);
}

/**
 * The resource names the child gets: the synthesized value itself, its tokens replaced by placeholders, when that
 * passes the function's schema; otherwise built from cdk.json.
 */
export function childConfig(fn: ProjectFunction, context: unknown): { env: string; value: string; source: 'synthesized' | 'cdk.json' } {
  const kind = configKind(fn.environment);
  const resolved = resolveTokens(fn.environment[kind], fn.region, fn.account);
  if (resolved !== undefined) {
    try {
      parseWith(schemaOf(kind), JSON.parse(resolved), kind);
      return { env: kind, value: resolved, source: 'synthesized' };
    } catch {
      // Fall through to cdk.json.
    }
  }
  return { env: kind, value: configFromContext(context, kind, fn.region), source: 'cdk.json' };
}

/**
 * The child's whole environment (nothing inherited): the function's plain-string variables but NODE_OPTIONS, its
 * resource names, its region, fake credentials, and the instance metadata lookups off. `configFile` points a build
 * that does not lie next to the bundled configuration file (the unbundled one) at it; the bundle finds its own.
 */
export function childEnvironment(fn: ProjectFunction, config: { env: string; value: string }, configFile?: { env: string; path: string }): Record<string, string> {
  const plain = Object.fromEntries(Object.entries(fn.environment).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return {
    ...plain,
    [config.env]: config.value,
    ...(configFile ? { [configFile.env]: configFile.path } : {}),
    AWS_REGION: fn.region,
    AWS_DEFAULT_REGION: fn.region,
    AWS_ACCESS_KEY_ID: 'AKIABENCHMARKFAKE0000',
    AWS_SECRET_ACCESS_KEY: 'bench-fake-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NODE_OPTIONS: '',
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes

/** What one child reports. */
export interface ChildResult {
  initMs: number;
  /** With --check: every file the require loaded, and their total size. */
  files?: number;
  bytes?: number;
  /** With --check: network calls attempted during the process's life (each one refused). */
  network?: string[];
}

/**
 * The child: times one require() of argv[1]. With --check (the warm-up run only, so the timed runs load nothing
 * else), it also refuses and records any network call and sums the sizes of every file the require loaded.
 */
const CHILD_SCRIPT = `
const target = process.argv[1];
const check = process.argv[2] === '--check';
const network = [];
if (check) {
  const net = require('node:net');
  const dns = require('node:dns');
  net.Socket.prototype.connect = function () { network.push('connect'); throw new Error('benchmark: network access'); };
  dns.lookup = function (host) { network.push('lookup ' + host); throw new Error('benchmark: network access'); };
}
const t0 = process.hrtime.bigint();
require(target);
const t1 = process.hrtime.bigint();
const result = { initMs: Number(t1 - t0) / 1e6 };
if (check) {
  const fs = require('node:fs');
  const files = Object.keys(require.cache);
  result.files = files.length;
  result.bytes = files.reduce((sum, f) => sum + fs.statSync(f).size, 0);
}
process.on('exit', () => {
  if (check) result.network = network;
  process.stdout.write('\\n${RESULT_MARKER}' + JSON.stringify(result) + '\\n');
});
`;

/**
 * The result line of a child's output.
 * @throws Error when there is none
 */
export function parseChildOutput(stdout: string): ChildResult {
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (line === undefined) throw new Error(`no result from the child process; its output was:\n${stdout.slice(-2000)}`);
  const result = JSON.parse(line.slice(RESULT_MARKER.length)) as ChildResult;
  if (typeof result.initMs !== 'number' || !Number.isFinite(result.initMs)) throw new Error(`bad result from the child process: ${line}`);
  return result;
}

/** Runs one fresh process that requires `modulePath` and reports its init time. */
function runChild(modulePath: string, env: Record<string, string>, check: boolean): ChildResult {
  const proc = spawnSync(process.execPath, ['-e', CHILD_SCRIPT, modulePath, ...(check ? ['--check'] : [])], {
    cwd: path.dirname(modulePath),
    env,
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (proc.error) throw new Error(`could not run the child process for ${modulePath}: ${proc.error.message}`);
  if (proc.status !== 0) {
    throw new Error(`requiring ${modulePath} failed (exit ${proc.status ?? proc.signal}):\n${(proc.stderr || proc.stdout).slice(-2000)}`);
  }
  const result = parseChildOutput(proc.stdout);
  if (result.network && result.network.length > 0) throw new Error(`requiring ${modulePath} touched the network: ${result.network.join(', ')}`);
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Builds

/** Every .ts file under a directory, sorted. */
export function typeScriptFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return typeScriptFiles(full);
      return entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
    })
    .sort();
}

/** Synthesizes the real app, bundling on, into `outdir`; returns its stacks. */
async function synthesize(outdir: string, context: Record<string, unknown>): Promise<{ directory: string; stacks: StackLike[] }> {
  const { App } = await import('aws-cdk-lib');
  const { buildApp } = await import('../../infra/app');
  const app = new App({ outdir, context });
  buildApp(undefined, app);
  const assembly = app.synth();
  return {
    directory: assembly.directory,
    stacks: assembly.stacks.map((s) => ({ stackName: s.stackName, region: s.environment.region, account: s.environment.account, template: s.template as TemplateLike })),
  };
}

/** Transpiles every .ts file under lambdas/ (no bundling, no minification) into `<outdir>/lambdas`. */
async function buildUnbundled(outdir: string): Promise<string> {
  const { build } = await import('esbuild');
  const lambdasDir = path.join(ROOT, 'lambdas');
  const out = path.join(outdir, 'lambdas');
  await build({
    entryPoints: typeScriptFiles(lambdasDir),
    outdir: out,
    outbase: lambdasDir,
    bundle: false,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    minify: false,
    sourcemap: false,
    logLevel: 'warning',
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The benchmark

/** One build of one function to time. */
interface Subject {
  readonly fn: ProjectFunction;
  readonly modulePath: string;
  readonly env: Record<string, string>;
  readonly times: number[];
  checked?: ChildResult;
}

/**
 * Measures every function's bundle size and module init time, bundled and unbundled.
 * @param opts.runs timed fresh processes per function and build (at least 1; the issue asks for 10 or more)
 */
export async function measureColdStart(opts: { runs: number; log?: (line: string) => void }): Promise<ColdStartResult> {
  const log = opts.log ?? (() => undefined);
  if (!Number.isInteger(opts.runs) || opts.runs < 1) throw new Error(`runs must be a positive integer, got ${opts.runs}`);
  const cdkJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const context = cdkJson.context ?? {};

  const synthDir = fs.mkdtempSync(path.join(os.tmpdir(), 'replica-refresh-bench-'));
  const benchTmp = path.join(ROOT, '.bench-tmp');
  fs.mkdirSync(benchTmp, { recursive: true });
  const unbundledDir = fs.mkdtempSync(path.join(benchTmp, 'unbundled-'));
  try {
    log('cold start: synthesizing the app with bundling on...');
    let started = Date.now();
    const { directory, stacks } = await synthesize(synthDir, context);
    const functions = stacks.flatMap((s) => projectFunctions(directory, s));
    log(`cold start: synthesized in ${((Date.now() - started) / 1000).toFixed(1)} s: ${functions.map((f) => `${f.name} (${f.stackName})`).join(', ')}`);
    if (functions.length === 0) throw new Error('the synthesized app has no function of the project');

    started = Date.now();
    const lambdasOut = await buildUnbundled(unbundledDir);
    log(`cold start: unbundled build of lambdas/ in ${Date.now() - started} ms`);

    const pairsOfSubjects = functions.map((fn) => {
      const config = childConfig(fn, context[CONFIG_KEY]);
      log(`cold start: ${fn.name}: ${config.env} from the ${config.source} configuration`);
      const file = configFileOf(configKind(fn.environment));
      const bundledFile = path.join(fn.assetDir, file.name);
      if (!fs.existsSync(bundledFile)) throw new Error(`the asset of ${fn.name} has no ${file.name} next to index.js`);
      const unbundledPath = path.join(lambdasOut, 'handlers', `${fn.name}.js`);
      if (!fs.existsSync(unbundledPath)) throw new Error(`no handler lambdas/handlers/${fn.name}.ts for the function ${fn.name}`);
      const bundled: Subject = { fn, modulePath: path.join(fn.assetDir, 'index.js'), env: childEnvironment(fn, config), times: [] };
      const nodeOptions = typeof fn.environment.NODE_OPTIONS === 'string' ? fn.environment.NODE_OPTIONS : '';
      const withOptions: Subject = { ...bundled, env: { ...bundled.env, NODE_OPTIONS: nodeOptions }, times: [] };
      const unbundled: Subject = { fn, modulePath: unbundledPath, env: childEnvironment(fn, config, { env: file.env, path: bundledFile }), times: [] };
      return { fn, bundled, withOptions, nodeOptions, unbundled };
    });
    const subjects = pairsOfSubjects.flatMap((p) => [p.bundled, p.withOptions, p.unbundled]);

    // Warm-up (page cache, checks), then the timed runs interleaved so drift on the machine hits every subject alike.
    started = Date.now();
    for (const s of subjects) s.checked = runChild(s.modulePath, s.env, true);
    for (let run = 1; run <= opts.runs; run++) {
      for (const s of subjects) s.times.push(runChild(s.modulePath, s.env, false).initMs);
      log(`cold start: run ${run}/${opts.runs} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }

    const rebuilt = new Map<string, Awaited<ReturnType<typeof rebuildBundle>>>();
    for (const { fn } of pairsOfSubjects) {
      if (!rebuilt.has(fn.name)) rebuilt.set(fn.name, await rebuildBundle(path.join(ROOT, 'lambdas', 'handlers', `${fn.name}.ts`), await standInsOf(fn)));
    }

    const figures = pairsOfSubjects.map(({ fn, bundled, withOptions, nodeOptions, unbundled }): ColdStartFigure => {
      const bundleBytes = fs.statSync(bundled.modulePath).size;
      const rebuild = rebuilt.get(fn.name)!;
      if (rebuild.bytes !== bundleBytes) log(`cold start: warning: ${fn.name}: the rebuild for the breakdown is ${rebuild.bytes} B, the synthesized bundle ${bundleBytes} B`);
      const mapPath = `${bundled.modulePath}.map`;
      const sourceMapBytes = fs.existsSync(mapPath) ? fs.statSync(mapPath).size : 0;
      const unbundledBytes = unbundled.checked?.bytes ?? 0;
      if (bundled.checked?.files !== 1) log(`cold start: warning: the bundle of ${fn.name} loaded ${bundled.checked?.files} files, not only index.js`);
      const initMs = summarize(bundled.times);
      const unbundledInit = summarize(unbundled.times);
      const figure: ColdStartFigure = {
        function: fn.name,
        bundleBytes,
        sourceMapBytes,
        contents: rebuild.contents,
        initMs,
        withNodeOptions: { nodeOptions, initMs: summarize(withOptions.times) },
        unbundled: { bytes: unbundledBytes, initMs: unbundledInit },
        initRatio: round2(percentile(unbundled.times, 50) / percentile(bundled.times, 50)),
        sizeRatio: round2(unbundledBytes / bundleBytes),
      };
      log(
        `cold start: ${fn.name}: bundle ${bundleBytes} B (map ${sourceMapBytes} B), init median ${initMs.median} ms p90 ${initMs.p90} ms ` +
          `(with NODE_OPTIONS=${nodeOptions}: median ${summarize(withOptions.times).median} ms); ` +
          `unbundled ${unbundledBytes} B in ${unbundled.checked?.files} files, init median ${unbundledInit.median} ms p90 ${unbundledInit.p90} ms`,
      );
      log(`cold start: ${fn.name}: KiB by package: ${describeContents(rebuild.contents)}`);
      return figure;
    });
    return { method: METHOD.replace('N timed runs', `${opts.runs} timed runs`), node: process.version, figures };
  } finally {
    fs.rmSync(synthDir, { recursive: true, force: true });
    fs.rmSync(unbundledDir, { recursive: true, force: true });
    // Only if no one else keeps anything there.
    if (fs.existsSync(benchTmp) && fs.readdirSync(benchTmp).length === 0) fs.rmdirSync(benchTmp);
  }
}
