/**
 * `npm run vault` on the simulation, in process: the vault's inventory after nights of production sharing its copies
 * with it, every kind of pair the example has, and the exit code an auditor's script reads.
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vault } from '../../../scripts/commands/vault';
import { runCli } from '../../support/cli';

const EXAMPLE = join(__dirname, '../../../infra/examples/vault/cdk.json');

interface Inventory {
  simulated: boolean;
  ok: boolean;
  keyArn?: string;
  replicas: { replica: string; copies: { available: number }; newest?: { ageHours: number; withinRpo: boolean; settingsRecorded: boolean }; keys: string[]; attention: string[]; recoveries: { count: number } }[];
}

describe('npm run vault --local', () => {
  it("lists every x the vault keeps, with copies within rpoHours under the vault's key (exit 0)", async () => {
    const { code, stdout } = await runCli(vault, ['--local', '--config', EXAMPLE, '--nights', '2', '--output', 'json']);
    expect(code).toBe(0);
    const inv = JSON.parse(stdout) as Inventory;
    expect(inv.simulated).toBe(true);
    expect(inv.ok).toBe(true);
    expect(inv.replicas.map((r) => r.replica)).toEqual(['ledger-pg-staging', 'orders-aurora-staging', 'inventory-pg-staging', 'billing-pg-staging']);
    for (const r of inv.replicas) {
      // Three seeded nights and two simulated: five copies of each x.
      expect(r.copies.available).toBe(5);
      expect(r.newest).toMatchObject({ withinRpo: true, settingsRecorded: true });
      expect(r.keys).toEqual([inv.keyArn]);
      expect(r.attention).toEqual([]);
      expect(r.recoveries.count).toBe(0);
    }
  }, 60_000);

  it('needs attention and exits 1 when the newest copy is older than rpoHours, with the table saying so', async () => {
    const raw = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { context: { replicaRefresh: { vault: Record<string, unknown>; pairs: unknown[] } } };
    raw.context.replicaRefresh.vault.rpoHours = 1;
    raw.context.replicaRefresh.pairs = raw.context.replicaRefresh.pairs.slice(0, 1);
    const file = join(mkdtempSync(join(tmpdir(), 'replica-refresh-vault-')), 'cdk.json');
    writeFileSync(file, JSON.stringify(raw));
    const { code, stdout } = await runCli(vault, ['--local', '--config', file, '--nights', '1']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/NEEDS ATTENTION/);
    expect(stdout).toMatch(/ledger-pg-staging: ATTENTION: the newest copy of ledger-pg-prod holds data [\d.]+ h old, over rpoHours 1/);
  }, 60_000);

  it('is a usage error (exit 2) for a config without a vault, saying what to add', async () => {
    const { code, stderr } = await runCli(vault, ['--local', '--config', join(__dirname, '../../../cdk.json')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/has no vault\nadd replicaRefresh.vault/);
  });
});
