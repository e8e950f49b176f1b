/**
 * Entry point of production's share function in y's region (issue 18): shares the project's copies of x with the
 * vault account, one at a time on RDS's snapshot events (a cross-region copy finished, RDS-EVENT-0060; a manual
 * snapshot created, RDS-EVENT-0042), and all that are not shared yet on its hourly schedule. An event that names no
 * pair's copy, or is no snapshot event at all, is logged, counted and ignored.
 */
import type { Context } from 'aws-lambda';
import { VaultInbox, queueClient } from '../aws/queue';
import { RdsAdapter, replicaRdsClient } from '../aws/rds';
import { RdsClusterAdapter } from '../aws/rds-clusters';
import { sharingCalls } from '../aws/vault-snapshots';
import { SnsNotifier, notifyClient } from '../aws/notify';
import type { RuntimeConfig } from '../kernel/config';
import { loadRuntimeConfig } from '../kernel/config';
import { PowertoolsTelemetry, logger } from '../kernel/powertools';
import type { ShareDeps, ShareOutcome } from '../vault/share';
import { pairOfSnapshot, shareOne, shareSweep, vaultPairs } from '../vault/share';
import { SHARE_EVENT_IDS, vaultInboxUrl } from '../vault/names';


/** What an invocation asks for: one snapshot (an event), every one (the schedule), or nothing it knows. */
export type ShareRequest = { kind: 'one'; snapshotId: string } | { kind: 'sweep' } | { kind: 'unknown'; why: string };

/** Reads an invocation: an EventBridge RDS snapshot event, or the schedule's event. */
export function shareRequestOf(event: unknown): ShareRequest {
  const e = event as { source?: unknown; 'detail-type'?: unknown; detail?: { EventID?: unknown; SourceIdentifier?: unknown } } | null;
  if (e?.['detail-type'] === 'Scheduled Event' || (e as { trigger?: unknown } | null)?.trigger === 'vault-share-sweep') return { kind: 'sweep' };
  if (e?.source !== 'aws.rds' || e['detail-type'] !== 'RDS DB Snapshot Event') return { kind: 'unknown', why: 'neither an RDS snapshot event nor the schedule' };
  const id = e.detail?.SourceIdentifier;
  if (typeof id !== 'string' || id === '') return { kind: 'unknown', why: 'an RDS snapshot event without a SourceIdentifier' };
  if (typeof e.detail?.EventID === 'string' && !SHARE_EVENT_IDS.includes(e.detail.EventID)) return { kind: 'unknown', why: `event ${e.detail.EventID} is not one that makes a copy to share` };
  return { kind: 'one', snapshotId: id.replace(/^rds:/, '') };
}

/** The handler over given dependencies. */
export function createHandler({ config, deps }: { config: RuntimeConfig; deps: ShareDeps }) {
  return async (event: unknown, context?: Context): Promise<ShareOutcome[]> => {
    if (context) logger.addContext(context);
    const vault = config.vault;
    if (!vault) throw new Error('this function was deployed without a vault in its configuration: redeploy with replicaRefresh.vault set, or without the share function');
    const request = shareRequestOf(event);
    if (request.kind === 'sweep') return shareSweep(deps, config.pairs, vault);
    if (request.kind === 'unknown') {
      deps.telemetry.count('VaultShareEventIgnored', 1);
      deps.telemetry.warn('event ignored', { why: request.why, event });
      return [];
    }
    const pair = pairOfSnapshot(config.pairs, request.snapshotId);
    if (!pair) {
      deps.telemetry.count('VaultShareEventIgnored', 1);
      deps.telemetry.info('snapshot of no pair', { snapshot: request.snapshotId });
      return [];
    }
    return [await shareOne(deps, pair, vault, request.snapshotId)];
  };
}

/** The share function's dependencies in Lambda: RDS in y's region and, read-only, in x's; the vault's inbox; the topic. */
export function lambdaShareDeps(config: RuntimeConfig): ShareDeps {
  if (!config.vault) throw new Error('the runtime configuration has no vault');
  const kinds = new Set(vaultPairs(config.pairs).map((p) => p.source.kind));
  const sources = new Map<string, { describeInstance: RdsAdapter['describeInstance']; describeCluster: RdsClusterAdapter['describeCluster'] }>();
  return {
    snapshots: sharingCalls(replicaRdsClient(config.region), kinds),
    sourceRds: (region) => {
      let found = sources.get(region);
      if (!found) {
        const client = replicaRdsClient(region);
        const instances = new RdsAdapter(client);
        const clusters = new RdsClusterAdapter(client);
        found = { describeInstance: (id) => instances.describeInstance(id), describeCluster: (id) => clusters.describeCluster(id) };
        sources.set(region, found);
      }
      return found;
    },
    inbox: new VaultInbox(queueClient(config.vault.region), vaultInboxUrl(config.vault)),
    notifier: new SnsNotifier(notifyClient(config.region), config.notificationTopicArn),
    telemetry: new PowertoolsTelemetry(),
    now: () => new Date(),
  };
}

const config = loadRuntimeConfig();
export const handler = createHandler({ config, deps: lambdaShareDeps(config) });
