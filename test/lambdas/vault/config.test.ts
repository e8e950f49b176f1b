/**
 * The vault function's configuration (lambdas/vault/config.ts) and the names both sides of the vault agree on
 * (lambdas/vault/names.ts): what the file holds, how a bad value is named, and that the names fit AWS's limits.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../lambdas/kernel/config';
import { ConfigError } from '../../../lambdas/kernel/errors';
import { VAULT_CONFIG_FILE, VAULT_CONFIG_FILE_ENV, VAULT_RESOURCES_ENV, loadVaultConfig, vaultConfigFile, vaultConfigFileText } from '../../../lambdas/vault/config';
import { VAULT_INBOX_QUEUE_NAME, shareRoleArn, shareRoleName, vaultInboxArn, vaultInboxUrl } from '../../../lambdas/vault/names';

const config = parseConfig({
  account: '111111111111',
  timeZone: 'Europe/Berlin',
  pairs: [
    { source: { instanceId: 'orders-prod', region: 'eu-west-1', dbiResourceId: 'db-XPRODRESOURCEID00000000001' }, replica: { instanceId: 'orders-staging', region: 'eu-central-1' }, credentials: { mode: 'source' } },
    { id: 'billing', source: { instanceId: 'billing-prod', region: 'us-east-1' }, replica: { instanceId: 'billing-staging', region: 'eu-central-1' }, credentials: { mode: 'source' } },
  ],
  vault: { account: '222222222222', region: 'eu-west-2', retentionDays: 14 },
});
const RESOURCES = { keyArn: 'arn:aws:kms:eu-west-2:222222222222:key/vault-key', ledgerTableName: 'vault-ledger', notificationTopicArn: 'arn:aws:sns:eu-west-2:222222222222:vault-notifications' };

/** A directory holding `text` as vault-config.json, removed after the test. */
function dirWith(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vault-config-test-'));
  writeFileSync(join(dir, VAULT_CONFIG_FILE), text);
  dirs.push(dir);
  return dir;
}
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The ConfigError `load` throws. */
function configError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('the configuration was accepted');
}

describe('vaultConfigFile', () => {
  it("holds the vault's settings, production's account and where each pair's copies come from", () => {
    expect(vaultConfigFile(config)).toEqual({
      account: '222222222222',
      region: 'eu-west-2',
      productionAccount: '111111111111',
      timeZone: 'Europe/Berlin',
      rpoHours: 26,
      retentionDays: 14,
      keepAtLeast: 3,
      pairs: [
        { id: 'orders-staging', sourceInstanceId: 'orders-prod', sourceRegion: 'eu-west-1', sourceDbiResourceId: 'db-XPRODRESOURCEID00000000001', replicaRegion: 'eu-central-1' },
        { id: 'billing', sourceInstanceId: 'billing-prod', sourceRegion: 'us-east-1', replicaRegion: 'eu-central-1' },
      ],
    });
  });

  it('takes an Aurora pair, whose x is a cluster: its copies are DB cluster snapshots', () => {
    const withAurora = parseConfig({
      account: '111111111111',
      timeZone: 'Europe/Berlin',
      pairs: [
        {
          engine: 'aurora-postgresql',
          source: { clusterId: 'orders-aurora', region: 'eu-west-1' },
          replica: { clusterId: 'orders-aurora-staging', region: 'eu-central-1', memberIds: ['orders-aurora-staging-1'] },
          credentials: { mode: 'managed' },
        },
      ],
      vault: { account: '222222222222', region: 'eu-west-2' },
    });
    expect(vaultConfigFile(withAurora).pairs).toEqual([{ id: 'orders-aurora-staging', kind: 'cluster', sourceInstanceId: 'orders-aurora', sourceRegion: 'eu-west-1', replicaRegion: 'eu-central-1' }]);
    const dir = dirWith(vaultConfigFileText(withAurora));
    expect(loadVaultConfig({ dir, env: { [VAULT_RESOURCES_ENV]: JSON.stringify(RESOURCES) } }).pairs[0]?.kind).toBe('cluster');
  });

  it('fails for a configuration without a vault', () => {
    const { vault: _vault, ...rest } = config;
    expect(() => vaultConfigFile(rest)).toThrow('the configuration has no vault');
  });
});

describe('loadVaultConfig', () => {
  it('reads the bundled file and the resources in the environment', () => {
    const loaded = loadVaultConfig({ dir: dirWith(vaultConfigFileText(config)), env: { [VAULT_RESOURCES_ENV]: JSON.stringify(RESOURCES) } });
    expect(loaded).toEqual({ ...vaultConfigFile(config), ...RESOURCES });
  });

  it('reads the file from the path the environment names, for hosts that run the sources', () => {
    const file = join(dirWith(vaultConfigFileText(config)), VAULT_CONFIG_FILE);
    const loaded = loadVaultConfig({ dir: '/nonexistent', env: { [VAULT_CONFIG_FILE_ENV]: file, [VAULT_RESOURCES_ENV]: JSON.stringify(RESOURCES) } });
    expect(loaded.productionAccount).toBe('111111111111');
  });

  it('fails without the file, saying how it gets there', () => {
    const err = configError(() => loadVaultConfig({ dir: '/nonexistent', env: { [VAULT_RESOURCES_ENV]: JSON.stringify(RESOURCES) } }));
    expect(err.message).toContain(`cannot read the vault configuration file ${join('/nonexistent', VAULT_CONFIG_FILE)}`);
  });

  it('fails on a bad value in the file, naming the file, the key and the value', () => {
    const text = JSON.stringify({ ...vaultConfigFile(config), productionAccount: '1111', keepAtLeast: 0 });
    const err = configError(() => loadVaultConfig({ dir: dirWith(text), env: { [VAULT_RESOURCES_ENV]: JSON.stringify(RESOURCES) } }));
    expect(err.problems.some((p) => p.includes('productionAccount') && p.includes('1111') && p.includes('12-digit'))).toBe(true);
    expect(err.problems.some((p) => p.includes('keepAtLeast'))).toBe(true);
    expect(err.message).toContain(VAULT_CONFIG_FILE);
  });

  it('fails on a bad or missing resource, naming the variable and the key', () => {
    const dir = dirWith(vaultConfigFileText(config));
    const bad = configError(() => loadVaultConfig({ dir, env: { [VAULT_RESOURCES_ENV]: JSON.stringify({ ...RESOURCES, keyArn: 'vault-key' }) } }));
    expect(bad.problems.some((p) => p.includes(VAULT_RESOURCES_ENV) && p.includes('keyArn') && p.includes('must be an ARN'))).toBe(true);
    expect(configError(() => loadVaultConfig({ dir, env: {} })).message).toContain(`environment variable ${VAULT_RESOURCES_ENV} is not set`);
  });
});

describe('the names both sides agree on', () => {
  it("names production's share role per replica region within IAM's 64 characters", () => {
    for (const region of ['eu-central-1', 'ap-southeast-4', 'us-gov-west-1', 'ap-northeast-3']) {
      expect(shareRoleName(region).length).toBeLessThanOrEqual(64);
      expect(shareRoleName(region)).toMatch(/^[\w+=,.@-]+$/);
    }
    expect(shareRoleArn('111111111111', 'eu-central-1')).toBe('arn:aws:iam::111111111111:role/replica-refresh-vault-share-eu-central-1');
  });

  it("names the vault's inbox the same by URL and by ARN", () => {
    const vault = { account: '222222222222', region: 'eu-west-2' };
    expect(vaultInboxUrl(vault)).toBe(`https://sqs.eu-west-2.amazonaws.com/222222222222/${VAULT_INBOX_QUEUE_NAME}`);
    expect(vaultInboxArn(vault)).toBe(`arn:aws:sqs:eu-west-2:222222222222:${VAULT_INBOX_QUEUE_NAME}`);
    // SQS queue names: 1-80 alphanumerics, hyphens and underscores.
    expect(VAULT_INBOX_QUEUE_NAME).toMatch(/^[\w-]{1,80}$/);
  });
});
