/** The instance target's RDS calls: the DB instance operations of the region's RDS adapter, in the seam's terms. */
import type { ReplicaRds } from '../../kernel/ports';
import type { TargetGateway } from '../target';

/** The DB instance operations the gateway needs from the region's RDS adapter. */
export type InstanceRds = Pick<
  ReplicaRds,
  'describeInstance' | 'listInstances' | 'disableDeletionProtection' | 'deleteInstance' | 'restoreInstance' | 'modifyInstance' | 'addRoleToInstance' | 'proxyTargetsOf' | 'registerProxyTarget'
>;

/** The gateway of DB instance targets over one region's RDS adapter. */
export function instanceGateway(rds: InstanceRds): TargetGateway {
  return {
    describe: (id) => rds.describeInstance(id),
    list: () => rds.listInstances(),
    disableDeletionProtection: (id) => rds.disableDeletionProtection(id),
    delete: (id, finalSnapshotId) => rds.deleteInstance(id, finalSnapshotId),
    restore: (request) => rds.restoreInstance(request),
    modify: (id, changes) => rds.modifyInstance(id, changes),
    addRole: (id, roleArn, featureName) => rds.addRoleToInstance(id, roleArn, featureName),
    proxyTargetsOf: (id) => rds.proxyTargetsOf(id),
    registerProxyTarget: (target, id) => rds.registerProxyTarget(target, id),
  };
}
