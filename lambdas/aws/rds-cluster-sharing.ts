/**
 * Sharing Aurora DB cluster snapshots between accounts (issue 18: the vault), over one region's RDS client: the cluster
 * counterparts of the RDS adapter's DB snapshot sharing calls (./rds.ts sharedWith, shareSnapshot, listSharedSnapshots,
 * listTaggedManualSnapshots). A file of its own so that only the two vault functions bundle it.
 */
import type { RDSClient } from '@aws-sdk/client-rds';
import { DBClusterSnapshotNotFoundFault, DescribeDBClusterSnapshotAttributesCommand, ModifyDBClusterSnapshotAttributeCommand, paginateDescribeDBClusterSnapshots } from '@aws-sdk/client-rds';
import type { SnapshotView } from '../kernel/model';
import { toClusterSnapshotView } from './rds-clusters';
import { classify } from './rds';

/** The cluster snapshot sharing calls of one region. */
export class RdsClusterSharing {
  public constructor(private readonly rds: RDSClient) {}

  /**
   * The accounts a manual cluster snapshot is shared with: the `restore` attribute (DescribeDBClusterSnapshotAttributes),
   * `all` for a public one.
   * @returns undefined when the snapshot no longer exists
   */
  public async sharedWith(snapshotId: string): Promise<string[] | undefined> {
    try {
      const out = await this.rds.send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: snapshotId }));
      return out.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.find((a) => a.AttributeName === 'restore')?.AttributeValues ?? [];
    } catch (err) {
      if (err instanceof DBClusterSnapshotNotFoundFault) return undefined;
      throw classify(err, `DescribeDBClusterSnapshotAttributes ${snapshotId}`);
    }
  }

  /**
   * Shares a manual cluster snapshot with one account (ModifyDBClusterSnapshotAttribute `restore`, ValuesToAdd): "To
   * share a manual DB cluster snapshot with other AWS accounts, set this value to restore" (API reference,
   * AttributeName). Adding an account it is already shared with changes nothing.
   */
  public async share(snapshotId: string, account: string): Promise<void> {
    try {
      await this.rds.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: snapshotId, AttributeName: 'restore', ValuesToAdd: [account] }));
    } catch (err) {
      throw classify(err, `ModifyDBClusterSnapshotAttribute ${snapshotId} (share with ${account})`);
    }
  }

  /**
   * The cluster snapshots other accounts share with this one (DescribeDBClusterSnapshots `SnapshotType: shared`,
   * `IncludeShared`), each named by its ARN; only those owned by `ownerAccount`.
   */
  public async listShared(ownerAccount: string): Promise<SnapshotView[]> {
    const out: SnapshotView[] = [];
    try {
      for await (const page of paginateDescribeDBClusterSnapshots({ client: this.rds, pageSize: 100 }, { SnapshotType: 'shared', IncludeShared: true })) {
        for (const s of page.DBClusterSnapshots ?? []) {
          const view = toClusterSnapshotView(s);
          const arn = view.arn || view.id;
          if (arn.split(':')[4] === ownerAccount) out.push({ ...view, arn });
        }
      }
    } catch (err) {
      throw classify(err, 'DescribeDBClusterSnapshots (cluster snapshots shared with this account)');
    }
    return out;
  }

  /** The account's manual cluster snapshots that carry a tag (the vault's copies), across all pages, with their tags. */
  public async listTaggedManual(tag: { key: string; value: string }): Promise<SnapshotView[]> {
    const out: SnapshotView[] = [];
    try {
      for await (const page of paginateDescribeDBClusterSnapshots({ client: this.rds, pageSize: 100 }, { SnapshotType: 'manual' })) {
        for (const s of page.DBClusterSnapshots ?? []) {
          const view = toClusterSnapshotView(s);
          if (view.tags?.[tag.key] === tag.value) out.push(view);
        }
      }
    } catch (err) {
      throw classify(err, 'DescribeDBClusterSnapshots (manual cluster snapshots of the region)');
    }
    return out;
  }
}
