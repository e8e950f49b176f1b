/**
 * Two regions of one simulated account, as the copy and Aurora tests need them: x's (eu-west-1) and the replica's
 * (eu-central-1), each SimRds knowing the other (cross-region copies) and sharing one KMS with a key in each region.
 */
import { VirtualClock } from '../../scripts/sim/clock';
import { SimKms } from '../../scripts/sim/kms';
import type { RdsTimings } from '../../scripts/sim/rds';
import { SimRds } from '../../scripts/sim/rds';
import type { ClusterTimings } from '../../scripts/sim/rds-clusters';
import { Random, fixed } from '../../scripts/sim/random';

export const ACCOUNT = '111111111111';

/** Fixed RDS timings for the tests that follow one resource through its states: seconds, no randomness. */
export const FIXED_TIMINGS: RdsTimings = { delete: fixed(300), restore: fixed(1200), baselineBackup: fixed(600), copy: fixed(1800), snapshot: fixed(600), finalSnapshot: fixed(120), eventDelay: fixed(5) };

/** Fixed Aurora timings, likewise. */
export const FIXED_CLUSTER_TIMINGS: ClusterTimings = {
  create: fixed(120),
  instanceCreate: fixed(600),
  instanceDelete: fixed(300),
  delete: fixed(180),
  snapshot: fixed(300),
  finalSnapshot: fixed(120),
  copy: fixed(1800),
  failover: fixed(30),
};

/** The two regions, their keys (the replica's with an alias when given), the clock and the randomness. */
export function twoRegions(opts: { start: string; seed: number; timings: RdsTimings; replicaKeyAlias?: string }) {
  const clock = new VirtualClock(new Date(opts.start));
  const random = new Random(opts.seed);
  const kms = new SimKms(ACCOUNT);
  const sourceKey = kms.create('eu-west-1', 'source-key');
  const replicaKey = kms.create('eu-central-1', 'replica-key', ...(opts.replicaKeyAlias ? [opts.replicaKeyAlias] : []));
  const regions = new Map<string, SimRds>();
  const source = new SimRds('eu-west-1', ACCOUNT, clock, random, opts.timings);
  const replica = new SimRds('eu-central-1', ACCOUNT, clock, random, opts.timings);
  for (const r of [source, replica]) {
    regions.set(r.region, r);
    r.regions = regions;
    r.kms = kms;
  }
  return { clock, random, kms, sourceKey, replicaKey, source, replica, regions };
}

/** The production account and the vault account of the sharing tests. */
export const OWNER = '111111111111';
export const VAULT_ACCOUNT = '222222222222';

/**
 * Two accounts (the owner A and the vault B), each with RDS in two regions (x's, eu-west-1, and the replica's,
 * eu-central-1) and its own KMS, in one cloud (each SimRds finds the other accounts' shared snapshots); the owner's key
 * to share with, its AWS managed aws/rds key, and the vault's key in each region.
 */
export function twoAccounts(timings: RdsTimings, clusterTimings?: ClusterTimings) {
  const clock = new VirtualClock(new Date('2026-11-21T00:00:00Z'));
  const random = new Random(7);
  const kms = { a: new SimKms(OWNER), b: new SimKms(VAULT_ACCOUNT) };
  const all = new Map<string, SimRds>();
  for (const account of [OWNER, VAULT_ACCOUNT]) {
    const regions = new Map<string, SimRds>();
    for (const region of ['eu-west-1', 'eu-central-1']) {
      const rds = new SimRds(region, account, clock, random, timings);
      rds.kms = account === OWNER ? kms.a : kms.b;
      if (clusterTimings) rds.clusters.timings = clusterTimings;
      regions.set(region, rds);
      all.set(`${account}/${region}`, rds);
    }
    for (const rds of regions.values()) rds.regions = regions;
  }
  for (const rds of all.values()) rds.cloud = all;
  const at = (account: string, region: string) => all.get(`${account}/${region}`)!;
  const keys = {
    share: kms.a.create('eu-west-1', 'a-share', 'share'),
    awsRds: kms.a.awsManagedKey('eu-west-1'),
    vault: kms.b.create('eu-west-1', 'b-vault', 'vault'),
    vaultDst: kms.b.create('eu-central-1', 'b-vault-dst', 'vault'),
  };
  return { clock, random, kms, all, at, keys };
}
