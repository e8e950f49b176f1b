/** The targets the project knows, by kind: the one place a new kind of replica is added. */
import type { PairConfig } from '../kernel/config';
import { INSTANCE_TARGET } from './instance/model';
import type { TargetGateway, TargetGateways, TargetKind, TargetModel } from './target';

const TARGETS: Readonly<Record<TargetKind, TargetModel>> = {
  instance: INSTANCE_TARGET,
};

/** The target model of a pair's replica. Every pair names an instance today. */
export function targetOf(_pair: Pick<PairConfig, 'replica'>): TargetModel {
  return TARGETS.instance;
}

/** The target model of a kind. */
export function target(kind: TargetKind): TargetModel {
  return TARGETS[kind];
}

/** The gateway that reaches a pair's replica. */
export function gatewayOf(targets: TargetGateways, pair: Pick<PairConfig, 'replica'>): TargetGateway {
  return targets[targetOf(pair).kind];
}
