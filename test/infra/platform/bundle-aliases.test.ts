/**
 * The bundles replace the SDK's default credential chain with its environment link, and its event-stream support
 * with a module that refuses (BUNDLE_ALIASES). These tests bundle SDK clients the way the functions are bundled and
 * check that the replaced code is gone, that a bundled client still finds the credentials Lambda puts in the
 * environment and signs its requests with them, that no operation of the clients the functions bundle has an event
 * stream, and that the SDK imports nothing from a replaced module that its stand-in lacks (after an SDK upgrade,
 * this fails before a bundle would).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { NormalizedSchema } from '@smithy/core/schema';
import { SignatureV4 } from '@smithy/signature-v4';
import { build } from 'esbuild';
import { BUNDLE_ALIASES, CLIENT_STAND_INS, bundleAliases, unusedClients } from '../../../infra/platform/refresh-function';
import { rebuildBundle } from '../../../scripts/bench/cold-start';

const ROOT = path.join(__dirname, '..', '..', '..');
const REPLACED = '@aws-sdk/credential-provider-node';
const EVENT_STREAMS = '@smithy/core/event-streams';
const HANDLERS = ['start-refresh', 'on-rds-event', 'watchdog', 'retention', 'copy-snapshot'];

async function bundle(contents: string, aliases: Record<string, string>) {
  const result = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    write: false,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    mainFields: ['module', 'main'],
    metafile: true,
    logLevel: 'silent',
    alias: aliases,
  });
  return { code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) };
}

const PROBE = `
import { RDSClient } from '@aws-sdk/client-rds';
new RDSClient({ region: 'eu-central-1' }).config.credentials().then(
  (c) => console.log(JSON.stringify({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken })),
  (e) => console.log(JSON.stringify({ error: e.name })),
);`;

/**
 * Sends DescribeDBInstances (RDS: query protocol, XML) and GetItem (DynamoDB: JSON) through a request handler that
 * records each request as it would leave and answers it, and prints the requests and the parsed answers.
 */
const SIGNING_PROBE = `
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { HttpResponse } from '@smithy/core/protocols';
import { Readable } from 'node:stream';
const sent = [];
const answer = (contentType, body) => ({
  handle: async (request) => {
    const payload = typeof request.body === 'string' ? request.body : Buffer.from(request.body).toString('utf8');
    sent.push({ method: request.method, hostname: request.hostname, path: request.path, headers: request.headers, body: payload });
    return { response: new HttpResponse({ statusCode: 200, headers: { 'content-type': contentType }, body: Readable.from([Buffer.from(body)]) }) };
  },
  updateHttpClientConfig() {},
  httpHandlerConfigs: () => ({}),
});
const rds = new RDSClient({ region: 'eu-central-1', requestHandler: answer('text/xml', '<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult><DBInstances><DBInstance><DBInstanceIdentifier>orders-staging</DBInstanceIdentifier><DBInstanceStatus>available</DBInstanceStatus></DBInstance></DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>') });
const dynamo = new DynamoDBClient({ region: 'eu-central-1', requestHandler: answer('application/x-amz-json-1.0', '{"Item":{"replica":{"S":"orders-staging"}}}') });
(async () => {
  const instances = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-staging' }));
  const item = await dynamo.send(new GetItemCommand({ TableName: 'ledger', Key: { replica: { S: 'orders-staging' } } }));
  console.log(JSON.stringify({ sent, instances: instances.DBInstances, item: item.Item }));
})().catch((e) => console.log(JSON.stringify({ error: e.name, message: e.message })));`;

interface SentRequest {
  method: string;
  hostname: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** The Authorization header SigV4 gives the request with these credentials at the request's own x-amz-date. */
async function expectedAuthorization(request: SentRequest, service: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string }): Promise<string | undefined> {
  const { authorization: _signature, ...headers } = request.headers;
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(headers['x-amz-date'] ?? '');
  if (!date) throw new Error(`no x-amz-date on ${request.hostname}`);
  const [, y, mo, d, h, mi, s] = date;
  const signer = new SignatureV4({ credentials, region: 'eu-central-1', service, sha256: Sha256 });
  const signed = await signer.sign(new HttpRequest({ method: request.method, protocol: 'https:', hostname: request.hostname, path: request.path, headers, body: request.body }), {
    signingDate: new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`),
  });
  return signed.headers.authorization;
}

function run(code: string, env: Record<string, string>): unknown {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-aliases-'));
  try {
    const file = path.join(dir, 'probe.js');
    fs.writeFileSync(file, code);
    const proc = spawnSync(process.execPath, [file], { env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env }, encoding: 'utf8', timeout: 20_000 });
    return JSON.parse(proc.stdout.trim().split('\n').at(-1) ?? 'null');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('BUNDLE_ALIASES', () => {
  it('points only at files of the project that exist', () => {
    expect(Object.keys(BUNDLE_ALIASES)).toEqual([REPLACED, EVENT_STREAMS]);
    for (const file of Object.values(BUNDLE_ALIASES)) expect(fs.existsSync(file)).toBe(true);
  });

  it('leaves the SSO, STS, sign-in and metadata providers out of a bundled client, which still reads the environment', async () => {
    const without = await bundle(PROBE, {});
    const withAlias = await bundle(PROBE, { ...BUNDLE_ALIASES });
    const chain = (inputs: string[]) => inputs.filter((f) => /@aws-sdk\/(nested-clients|credential-provider-(node|sso|ini|login|process|web-identity|http))\/|credential-provider-imds/.test(f));
    expect(chain(without.inputs).length).toBeGreaterThan(0);
    expect(chain(withAlias.inputs)).toEqual([]);
    expect(withAlias.code.length).toBeLessThan(without.code.length - 50_000);

    const lambdaEnv = { AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' };
    expect(run(withAlias.code, lambdaEnv)).toEqual({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' });
    expect(run(without.code, { ...lambdaEnv, AWS_EC2_METADATA_DISABLED: 'true' })).toEqual(run(withAlias.code, lambdaEnv));
    expect(run(withAlias.code, {})).toEqual({ error: 'CredentialsProviderError' });
  });

  it('offers every name the installed SDK clients import from the replaced module', async () => {
    const stand = (await import(BUNDLE_ALIASES[REPLACED]!)) as Record<string, unknown>;
    const sdk = path.join(ROOT, 'node_modules', '@aws-sdk');
    const clients = fs.readdirSync(sdk).filter((d) => d.startsWith('client-'));
    expect(clients.length).toBeGreaterThan(0);
    for (const client of clients) {
      const config = fs.readFileSync(path.join(sdk, client, 'dist-es', 'runtimeConfig.js'), 'utf8');
      for (const m of config.matchAll(/import \{([^}]*)\} from "@aws-sdk\/credential-provider-node"/g)) {
        for (const name of m[1]!.split(',').map((n) => n.trim().split(/\s+as\s+/)[0]!)) expect([client, name, typeof stand[name]]).toEqual([client, name, 'function']);
      }
    }
  });
  it('signs a bundled client\'s requests with the credentials Lambda puts in the environment, and reads the answers, without the replaced modules', async () => {
    const { code, inputs } = await bundle(SIGNING_PROBE, { ...BUNDLE_ALIASES });
    expect(inputs.filter((f) => /credential-provider-node|submodules\/event-streams\//.test(f))).toEqual([]);
    const credentials = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' };
    const out = run(code, { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_SESSION_TOKEN: credentials.sessionToken }) as {
      sent: SentRequest[];
      instances: unknown;
      item: unknown;
    };
    expect(out.instances).toEqual([{ DBInstanceIdentifier: 'orders-staging', DBInstanceStatus: 'available' }]);
    expect(out.item).toEqual({ replica: { S: 'orders-staging' } });
    expect(out.sent.map((r) => r.hostname)).toEqual(['rds.eu-central-1.amazonaws.com', 'dynamodb.eu-central-1.amazonaws.com']);
    for (const [request, service] of [[out.sent[0]!, 'rds'], [out.sent[1]!, 'dynamodb']] as const) {
      expect(request.headers['x-amz-security-token']).toBe('token');
      expect(request.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/\\d{8}/eu-central-1/${service}/aws4_request, `));
      // The signature itself: what SigV4 computes with these credentials for this request.
      expect(request.headers.authorization).toBe(await expectedAuthorization(request, service, credentials));
    }
  });

  it('leaves the SDK\'s event-stream code out of every function, and no operation of the clients they bundle has an event stream but Lambda\'s, which no function sends', async () => {
    const bundled = new Set<string>();
    for (const handler of HANDLERS) {
      const { files } = await rebuildBundle(path.join(ROOT, 'lambdas', 'handlers', `${handler}.ts`));
      expect([handler, files.filter((f) => f.includes('submodules/event-streams/'))]).toEqual([handler, []]);
      for (const f of files) {
        const client = /node_modules\/(@aws-sdk\/client-[^/]+)\//.exec(f)?.[1];
        if (client) bundled.add(client);
      }
    }
    expect([...bundled].sort()).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-lambda', '@aws-sdk/client-rds', '@aws-sdk/client-route-53', '@aws-sdk/client-secrets-manager', '@aws-sdk/client-sns', '@aws-sdk/client-sqs', '@aws-sdk/client-ssm']);
    const withEventStreams = async (client: string): Promise<string[]> => {
      const sdk = (await import(client)) as Record<string, unknown>;
      // Operation schemas: [9, namespace, name, traits, input, output].
      type Schema = Parameters<typeof NormalizedSchema.of>[0];
      const operations = Object.entries(sdk).filter((e): e is [string, [9, string, string, unknown, Schema, Schema]] => e[0].endsWith('$') && Array.isArray(e[1]) && e[1][0] === 9);
      expect([client, operations.length > 10]).toEqual([client, true]);
      return operations.filter(([, op]) => NormalizedSchema.of(op[4]).getEventStreamMember() || NormalizedSchema.of(op[5]).getEventStreamMember()).map(([name]) => name);
    };
    // Lambda's client (the swap modes' validation) has one, InvokeWithResponseStream, which no function's code sends.
    for (const client of bundled) expect([client, await withEventStreams(client)]).toEqual([client, client === '@aws-sdk/client-lambda' ? ['InvokeWithResponseStream$'] : []]);
    const sources = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    const stand = BUNDLE_ALIASES[EVENT_STREAMS]!;
    expect(sources(path.join(ROOT, 'lambdas')).filter((f) => f !== stand && fs.readFileSync(f, 'utf8').includes('InvokeWithResponseStream'))).toEqual([]);
  });

  it('offers every name the installed SDK imports from the event-stream module, and refuses when called', async () => {
    const stand = (await import(BUNDLE_ALIASES[EVENT_STREAMS]!)) as Record<string, unknown>;
    const dist = path.join(ROOT, 'node_modules', '@smithy', 'core', 'dist-es');
    const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.js') ? [path.join(dir, e.name)] : []));
    const importers = files(dist).filter((f) => !f.includes(`${path.sep}event-streams${path.sep}`));
    const names = new Set<string>();
    for (const file of importers) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:const|let|var)\s*\{([^}]*)\}\s*=\s*await import\("@smithy\/core\/event-streams"\)/g)) {
        for (const name of m[1]!.split(',').map((n) => n.trim().split(/\s*:\s*/)[0]!).filter(Boolean)) names.add(name);
      }
      expect([file, /from "@smithy\/core\/event-streams"/.test(text)]).toEqual([file, false]);
    }
    expect([...names].sort()).toEqual(['EventStreamSerde', 'eventStreamSerdeProvider']);
    // A client with an event-stream operation (Lambda's) imports from it statically too, when it is built.
    const lambdaClient = path.join(ROOT, 'node_modules', '@aws-sdk', 'client-lambda', 'dist-es');
    for (const file of ['LambdaClient.js', 'runtimeConfig.js']) {
      const text = fs.readFileSync(path.join(lambdaClient, file), 'utf8');
      for (const m of text.matchAll(/import \{([^}]*)\} from "@smithy\/core\/event-streams"/g)) {
        for (const name of m[1]!.split(',').map((n) => n.trim().split(/\s+as\s+/)[0]!).filter(Boolean)) names.add(name);
      }
    }
    expect([...names].sort()).toEqual(['EventStreamSerde', 'eventStreamSerdeProvider', 'resolveEventStreamSerdeConfig']);
    for (const name of names) expect([name, typeof stand[name]]).toEqual([name, 'function']);
    const resolved = (stand.resolveEventStreamSerdeConfig as (input: object) => { eventStreamMarshaller: { serialize: () => unknown; deserialize: () => unknown } })({ region: 'eu-central-1' });
    expect(() => resolved.eventStreamMarshaller.serialize()).toThrow(/event streams are not bundled/);
    expect(() => resolved.eventStreamMarshaller.deserialize()).toThrow(/event streams are not bundled/);
    expect(() => (stand.eventStreamSerdeProvider as () => unknown)()).toThrow(/event streams are not bundled/);
    expect(() => new (stand.EventStreamSerde as new () => unknown)()).toThrow(/event streams are not bundled/);
  });
});

describe('CLIENT_STAND_INS', () => {
  /** Every TypeScript file of lambdas/, relative to the repository. */
  const lambdaSources = (dir = path.join(ROOT, 'lambdas')): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? lambdaSources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.relative(ROOT, path.join(dir, e.name)).split(path.sep).join('/')] : []));
  const standIns = Object.values(CLIENT_STAND_INS).map((f) => path.relative(ROOT, f).split(path.sep).join('/'));
  /** The names lambdas/ imports as values (not `import type`) from a package, by file. */
  const valueImports = (pkg: string) =>
    lambdaSources()
      .filter((f) => !standIns.includes(f))
      .flatMap((file) =>
        [...fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(new RegExp(`import \\{([^}]*)\\} from '${pkg.replace(/[/-]/g, (c) => `\\${c}`)}'`, 'g'))].flatMap((m) =>
          m[1]!
            .split(',')
            .map((n) => n.trim())
            .filter((n) => n !== '' && !n.startsWith('type '))
            .map((n) => ({ file, name: n.split(/\s+as\s+/)[0]! })),
        ),
      );

  it('points Route 53 and Lambda at stand-ins lambdas/aws/no-*.ts that exist', () => {
    expect(Object.keys(CLIENT_STAND_INS)).toEqual(['@aws-sdk/client-route-53', '@aws-sdk/client-lambda']);
    expect(standIns).toEqual(['lambdas/aws/no-route-53.ts', 'lambdas/aws/no-lambda.ts']);
    for (const file of Object.values(CLIENT_STAND_INS)) expect(fs.existsSync(file)).toBe(true);
    expect(bundleAliases([])).toEqual(BUNDLE_ALIASES);
    expect(bundleAliases(['@aws-sdk/client-lambda'])).toEqual({ ...BUNDLE_ALIASES, '@aws-sdk/client-lambda': CLIENT_STAND_INS['@aws-sdk/client-lambda'] });
  });

  it.each(Object.keys(CLIENT_STAND_INS) as (keyof typeof CLIENT_STAND_INS)[])('offers every name lambdas/ imports from %s, each refusing, with why, when constructed', async (client) => {
    const stand = (await import(CLIENT_STAND_INS[client])) as Record<string, unknown>;
    const imported = valueImports(client);
    // Only the one adapter of each client imports it: lambdas/aws/route53.ts, lambdas/aws/functions.ts.
    expect([...new Set(imported.map((i) => i.file))]).toEqual([client === '@aws-sdk/client-lambda' ? 'lambdas/aws/functions.ts' : 'lambdas/aws/route53.ts']);
    const why = client === '@aws-sdk/client-lambda' ? /^Lambda is not bundled with this function: no pair in this region has a swap mode or staging hooks/ : /^Route 53 is not bundled with this function: no dns-switch pair in this region/;
    for (const { name } of imported) {
      expect([name, typeof stand[name]]).toEqual([name, 'function']);
      expect(() => new (stand[name] as new () => unknown)()).toThrow(why);
    }
    // An error class still answers instanceof (route53.ts sorts faults so) without throwing.
    expect({} instanceof (stand[Object.keys(stand)[0]!] as new () => unknown)).toBe(false);
  });

  it("is safe because each client is built in one factory only, which builds it only when the configuration needs it", () => {
    const calls = (pattern: RegExp) => lambdaSources().flatMap((file) => fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n').filter((l) => pattern.test(l) && !/^\s*(\*|\/\/)/.test(l)).map((l) => `${file}: ${l.trim().slice(0, 60)}`));
    // Route 53: route53Client() is called by dnsRecordsFor alone, for a dns-switch pair.
    expect(calls(/\broute53Client\(|new Route53Client\(|new Route53Adapter\(/).map((c) => c.replace(/: .*/, ''))).toEqual(['lambdas/aws/route53.ts', 'lambdas/aws/route53.ts', 'lambdas/aws/route53.ts']);
    expect(fs.readFileSync(path.join(ROOT, 'lambdas', 'aws', 'route53.ts'), 'utf8')).toMatch(/export const dnsRecordsFor = .*\(config\.pairs\.some\(\(p\) => p\.refresh\.mode === 'dns-switch'\) \? new Route53Adapter\(route53Client\(\)\) : undefined\)/);
    // Lambda: the functions build a FunctionInvoker only in copyValidators, when validationFunctions names one.
    expect(calls(/\blambdaClient\(|new LambdaClient\(|new FunctionInvoker\(/).map((c) => c.replace(/: .*/, ''))).toEqual(['lambdas/aws/functions.ts', 'lambdas/aws/functions.ts', 'lambdas/validation/copy.ts']);
    expect(fs.readFileSync(path.join(ROOT, 'lambdas', 'validation', 'copy.ts'), 'utf8')).toMatch(/Object\.keys\(functions\)\.length > 0 \? new LambdaCopyValidator\(new FunctionInvoker\(lambdaClient\(config\.region\)\)/);
    expect(unusedClients({ pairs: [{ refresh: { mode: 'rename-swap' } }], validationFunctions: { 'orders-staging': 'fn' } })).toEqual(['@aws-sdk/client-route-53']);
    expect(unusedClients({ pairs: [{ refresh: { mode: 'dns-switch' } }] })).toEqual(['@aws-sdk/client-lambda']);
  });

  it('lets a bundled factory answer "not needed" for a configuration without the client, and refuse clearly if it ever were', async () => {
    const probe = `
      import { dnsRecordsFor } from './lambdas/aws/route53';
      import { copyValidators } from './lambdas/validation/copy';
      const config = JSON.parse(process.env.PROBE_CONFIG);
      try { console.log(JSON.stringify({ dns: dnsRecordsFor(config) !== undefined, validator: copyValidators(config) !== undefined })); }
      catch (e) { console.log(JSON.stringify({ error: e.message })); }`;
    const { code, inputs } = await bundle(probe, bundleAliases(['@aws-sdk/client-route-53', '@aws-sdk/client-lambda']));
    expect(inputs.filter((f) => /@aws-sdk\/client-(route-53|lambda)\//.test(f))).toEqual([]);
    const lean = { region: 'eu-central-1', pairs: [{ refresh: { mode: 'delete-first' } }] };
    expect(run(code, { PROBE_CONFIG: JSON.stringify(lean) })).toEqual({ dns: false, validator: false });
    expect(run(code, { PROBE_CONFIG: JSON.stringify({ ...lean, pairs: [{ refresh: { mode: 'dns-switch' } }] }) })).toEqual({ error: expect.stringMatching(/no dns-switch pair in this region/) as unknown });
    expect(run(code, { PROBE_CONFIG: JSON.stringify({ ...lean, validationFunctions: { 'orders-staging': 'fn' } }) })).toEqual({ error: expect.stringMatching(/no pair in this region has a swap mode or staging hooks/) as unknown });
  });
});
