/**
 * IAM as the simulation needs it: whether a resource policy (an SNS topic policy, a KMS key policy, an SQS queue
 * policy) admits a request made by an AWS service principal on behalf of a resource, or by an IAM role, evaluated with
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

/** A request an IAM role makes against a resource that has a resource policy. */
export interface RoleRequest {
  /** The role's ARN: what a session of the role is known as in a resource policy (aws:PrincipalArn). */
  roleArn: string;
  action: string;
  resourceArn: string;
  /** The account that owns the resource. */
  resourceAccount: string;
  /** Request context beyond the principal's own keys: aws:SecureTransport, … */
  context: Record<string, string>;
}

const cache = new Map<string, Promise<Decision>>();

/**
 * Evaluates one request against a resource policy alone: a service principal has no identity policy, so it is allowed
 * exactly when the resource policy allows it and nothing denies it (IAM User Guide, "Policy evaluation logic",
 * "Cross-account and same-account requests with resource-based policies"; service principals are not subject to SCPs).
 */
export function evaluateResourcePolicy(policy: PolicyDocument | undefined, request: ServiceRequest): Promise<Decision> {
  return simulate(policy, { principal: request.principal, action: request.action, resourceArn: request.resourceArn, resourceAccount: request.resourceAccount, context: request.context, identityPolicies: [] });
}

/**
 * Whether a resource policy admits a request of an IAM role (production's share role sending to the vault's inbox, say):
 * the resource policy's part of the decision. The role's own policy is taken to allow the action on the resource;
 * what each role is really granted is compared with what its code calls in test/scripts/sim/grants.test.ts. With that,
 * IAM's rules decide as AWS does: a role of another account is allowed only when the resource policy allows it too
 * ("For requests made from one account to another, the requester ... must have an identity-based policy that allows
 * the request ... the resource-based policy must also allow", IAM User Guide, "Cross-account policy evaluation logic"),
 * one of the resource's own account needs nothing more from it, and an explicit deny in it refuses either ("Policy
 * evaluation logic"). A session of a role is matched by the role's ARN in aws:PrincipalArn and carries its account
 * in aws:PrincipalAccount: "This key is included in the request context for all signed requests" (IAM User Guide, "AWS
 * global condition context keys", aws:PrincipalArn, aws:PrincipalAccount).
 */
export function evaluateRoleRequest(policy: PolicyDocument | undefined, request: RoleRequest): Promise<Decision> {
  const account = request.roleArn.split(':')[4] ?? '';
  const granted = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: request.action, Resource: request.resourceArn }] };
  return simulate(policy, {
    principal: request.roleArn,
    action: request.action,
    resourceArn: request.resourceArn,
    resourceAccount: request.resourceAccount,
    context: { ...request.context, 'aws:PrincipalArn': request.roleArn, 'aws:PrincipalAccount': account },
    identityPolicies: [{ name: 'granted', policy: granted }],
    // A role of the resource's own account is allowed by its identity policy without a resource policy at all.
    ...(account === request.resourceAccount ? { policyOptional: true } : {}),
  });
}

interface SimulatedRequest {
  principal: string;
  action: string;
  resourceArn: string;
  resourceAccount: string;
  context: Record<string, string>;
  identityPolicies: { name: string; policy: unknown }[];
  /** Whether a missing resource policy leaves the decision to the identity policies (a principal of the resource's account). */
  policyOptional?: boolean;
}

/** One evaluation with @cloud-copilot/iam-simulate, cached per (policy, request). */
function simulate(policy: PolicyDocument | undefined, request: SimulatedRequest): Promise<Decision> {
  const key = JSON.stringify([policy, request]);
  const hit = cache.get(key);
  if (hit) return hit;
  const decision = (async (): Promise<Decision> => {
    // No policy at all: SNS, KMS and SQS all deny a principal of another account (or a service) that nothing admits.
    if (!policy && !request.policyOptional) return { allowed: false, result: 'ImplicitlyDenied (no resource policy)' };
    const { runSimulation } = await import('@cloud-copilot/iam-simulate');
    const out = await runSimulation(
      {
        request: {
          principal: request.principal,
          action: request.action,
          resource: { resource: request.resourceArn, accountId: request.resourceAccount },
          contextVariables: request.context,
        },
        identityPolicies: request.identityPolicies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(policy ? { resourcePolicy: policy } : {}),
      },
      {},
    );
    if (out.resultType === 'error') throw new Error(`the IAM simulation rejected the ${request.action} request: ${JSON.stringify(out.errors)}`);
    return { allowed: out.overallResult === 'Allowed', result: out.overallResult };
  })();
  cache.set(key, decision);
  return decision;
}
