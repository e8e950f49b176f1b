/**
 * The bundles replace the SDK's default credential chain with its environment link (BUNDLE_ALIASES). These tests
 * bundle an SDK client the way the functions are bundled and check that the chain is gone, that the client still
 * finds the credentials Lambda puts in the environment, and that every installed client imports nothing from the
 * replaced module that the stand-in lacks (after an SDK upgrade, this fails before a bundle would).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { BUNDLE_ALIASES } from '../../../infra/platform/refresh-function';

const ROOT = path.join(__dirname, '..', '..', '..');
const REPLACED = '@aws-sdk/credential-provider-node';

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
    expect(Object.keys(BUNDLE_ALIASES)).toEqual([REPLACED]);
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
});
