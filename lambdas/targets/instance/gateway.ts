/** The instance target's RDS calls: the DB instance operations of the region's RDS adapter, in the seam's terms. */
import type { ReplicaRds } from '../../kernel/ports';
import type { TargetGateway } from '../target';
import { instanceSettings, instanceView } from './model';

/** The DB instance operations the gateway needs from the region's RDS adapter. */
export type InstanceRds = Pick<
  ReplicaRds,
  | 'describeInstance'
  | 'listInstances'
  | 'disableDeletionProtection'
  | 'deleteInstance'
  | 'restoreInstance'
  | 'modifyInstance'
  | 'stopInstance'
  | 'addRoleToInstance'
  | 'proxyTargetsOf'
  | 'registerProxyTarget'
  | 'describeSnapshot'
  | 'listSnapshots'
  | 'describeReplicatedBackups'
>;

/** The gateway of DB instance targets over one region's RDS adapter. */
export function instanceGateway(rds: InstanceRds): TargetGateway {
  return {
    describe: (id) => rds.describeInstance(id),
    list: () => rds.listInstances(),
    // One paged DescribeDBInstances either way.
    identifiers: async () => new Set((await rds.listInstances()).keys()),
    disableDeletionProtection: (id) => rds.disableDeletionProtection(id),
    delete: async (id, finalSnapshotId) => {
      await rds.deleteInstance(id, finalSnapshotId);
      return { members: [] };
    },
    restore: ({ identifier, settings, ...rest }) => rds.restoreInstance({ ...rest, instanceId: identifier, settings: instanceSettings(settings) }),
    // A restored instance serves by itself: nothing is left to create.
    completeRestore: (view) => {
      instanceView(view);
      return Promise.resolve('done');
    },
    // The instance model made these changes (its postRestoreGroups): InstanceSettings values.
    modify: (id, { settings, ...rest }) => rds.modifyInstance(id, { ...rest, ...(settings ? { settings } : {}) }),
    stop: (id) => rds.stopInstance(id),
    addRole: (id, roleArn, featureName) => rds.addRoleToInstance(id, roleArn, featureName),
    proxyTargetsOf: (id) => rds.proxyTargetsOf(id),
    registerProxyTarget: (target, id) => rds.registerProxyTarget(target, id),
    snapshots: rds,
  };
}
