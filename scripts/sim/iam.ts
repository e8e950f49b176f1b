/**
 * IAM as the simulation needs it: whether a resource policy (an SNS topic policy, a KMS key policy)
 * admits a request made by an AWS service principal on behalf of a resource, evaluated with
 * @cloud-copilot/iam-simulate against AWS's published action and condition-key data. Decisions are
 * cached per (policy, request), so an event path evaluated on every delivery costs one evaluation.
 */
import type { PolicyDocument } from './synth';

/** A request an AWS service makes against a resource that has a resource policy. */
export interface ServiceRequest {
  /** The service principal, e.g. events.rds.amazonaws.com. */
  principal: string;
  action: string;
  resourceArn: string;
  /** The account that owns the resource. */
  resourceAccount: string;
  /** Request context: aws:SourceArn, aws:SourceAccount, aws:SecureTransport, … */
  context: Record<string, string>;
}

/** The decision and, when denied, why. */
export interface Decision {
  allowed: boolean;
  result: string;
}

const cache = new Map<string, Promise<Decision>>();

/**
 * Evaluates one request against a resource policy alone: a service principal has no identity policy, so it is allowed
 * exactly when the resource policy allows it and nothing denies it (IAM User Guide, "Policy evaluation logic",
 * "Cross-account and same-account requests with resource-based policies"; service principals are not subject to SCPs).
 */
export function evaluateResourcePolicy(policy: PolicyDocument | undefined, request: ServiceRequest): Promise<Decision> {
  const key = JSON.stringify([policy, request]);
  const hit = cache.get(key);
  if (hit) return hit;
  const decision = (async (): Promise<Decision> => {
    // No policy at all: SNS and KMS both deny a service principal that nothing admits.
    if (!policy) return { allowed: false, result: 'ImplicitlyDenied (no resource policy)' };
    const { runSimulation } = await import('@cloud-copilot/iam-simulate');
    const out = await runSimulation(
      {
        request: {
          principal: request.principal,
          action: request.action,
          resource: { resource: request.resourceArn, accountId: request.resourceAccount },
          contextVariables: request.context,
        },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: policy,
      },
      {},
    );
    if (out.resultType === 'error') throw new Error(`the IAM simulation rejected the ${request.action} request: ${JSON.stringify(out.errors)}`);
    return { allowed: out.overallResult === 'Allowed', result: out.overallResult };
  })();
  cache.set(key, decision);
  return decision;
}
