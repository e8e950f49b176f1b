/** The targets the project knows, by kind: the one place a new kind of replica is added. */
import type { PairConfig } from '../kernel/config';
import { CLUSTER_TARGET } from './cluster/model';
import { INSTANCE_TARGET } from './instance/model';
import type { TargetGateway, TargetGateways, TargetKind, TargetModel } from './target';

const TARGETS: Readonly<Record<TargetKind, TargetModel>> = {
  instance: INSTANCE_TARGET,
  cluster: CLUSTER_TARGET,
};

/** The target model of a pair's replica: a DB instance (`instanceId`) or an Aurora cluster (`clusterId`). */
export function targetOf(pair: Pick<PairConfig, 'replica'>): TargetModel {
  return TARGETS[pair.replica.kind];
}

/** The target model of a kind. */
export function target(kind: TargetKind): TargetModel {
  return TARGETS[kind];
}

/** The gateway that reaches a pair's replica. */
export function gatewayOf(targets: TargetGateways, pair: Pick<PairConfig, 'replica'>): TargetGateway {
  const gateway = targets[pair.replica.kind];
  // The runtimes build a gateway for every kind their configuration's pairs name.
  if (!gateway) throw new Error(`no gateway for ${pair.replica.kind} targets was built, yet the pair of ${pair.replica.identifier} names one`);
  return gateway;
}
