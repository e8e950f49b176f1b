/**
 * Shared fixtures and template walkers for the infra tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { pairSchema, type PairConfig } from '../../lambdas/kernel/config';

/** The account of every test stack (the one in cdk.json). */
export const ACCOUNT = '111111111111';
/** The replica region of the example configuration. */
export const REGION = 'eu-central-1';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };

/** A fresh copy of the `replicaRefresh` example in cdk.json, to modify freely. */
export function exampleConfig(): Record<string, unknown> & { pairs: Record<string, unknown>[] } {
  return structuredClone(cdkJson.context.replicaRefresh) as Record<string, unknown> & { pairs: Record<string, unknown>[] };
}

/** Context that makes NodejsFunction skip bundling, for tests about anything but the bundle. */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

/**
 * An app with the feature flags of cdk.json, plus the given context (without cdk.json's `replicaRefresh`).
 *
 * The CDK's built-in CloudFormation validation (`CloudFormationValidatePlugin`, run on every synth) is off unless
 * asked for: it starts a WebAssembly engine once per module registry, that is once per test file, at 6-10 s each, and
 * with cdk.json as it is (no `@aws-cdk/core:validateAgainstDefaultRules`) it can only print warnings, never fail a
 * test. app.test.ts runs it on the whole app and fails on any finding; cdk-nag still runs wherever a test asks.
 */
export function newApp(context: Record<string, unknown> = {}, { builtinCloudFormationValidation = false } = {}): App {
  const { replicaRefresh: _example, ...flags } = cdkJson.context;
  return new App({ context: { ...flags, ...context }, builtinCloudFormationValidation });
}

/** An empty stack with a concrete account and region. */
export function newStack(region = REGION, context: Record<string, unknown> = {}): Stack {
  return new Stack(newApp(context), 'TestStack', { env: { account: ACCOUNT, region } });
}

/** A parsed pair (defaults filled in) whose y is `replicaId` in `region`. */
export function pair(replicaId: string, region = REGION, extra: Record<string, unknown> = {}): PairConfig {
  return pairSchema.parse({
    source: { instanceId: `${replicaId}-source`, region: 'eu-west-1' },
    replica: { instanceId: replicaId, region },
    credentials: { mode: 'source' },
    ...extra,
  });
}

/** The TypeScript entry point the construct tests bundle, so they do not depend on the real handlers. */
export const FIXTURE_HANDLER = path.join(__dirname, 'fixtures', 'handler.ts');

/** One IAM statement as synthesized. */
export interface StatementJson {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** A statement of an `AWS::IAM::Policy`, with the policy's logical id and the roles it is attached to. */
export interface IamStatement {
  readonly policy: string;
  readonly roles: string[];
  readonly statement: StatementJson;
  readonly actions: string[];
  /** Each resource rendered as text: `${AWS::Partition}` for a Ref, `${Logical.Arn}` for a GetAtt. */
  readonly resources: string[];
}

interface PolicyResourceJson {
  readonly Properties: { readonly PolicyDocument: { readonly Statement: StatementJson[] }; readonly Roles?: unknown[] };
}

/** Every statement of every `AWS::IAM::Policy` in the template. */
export function iamStatements(template: Template): IamStatement[] {
  const policies = template.findResources('AWS::IAM::Policy') as unknown as Record<string, PolicyResourceJson>;
  return Object.entries(policies).flatMap(([policy, resource]) =>
    resource.Properties.PolicyDocument.Statement.map((statement) => ({
      policy,
      roles: (resource.Properties.Roles ?? []).map(render),
      statement,
      actions: toArray(statement.Action).map(String),
      resources: toArray(statement.Resource).map(render),
    })),
  );
}

/** The statements attached to one role, found by the start of its logical id (such as `StartRefreshRole`). */
export function statementsOfRole(template: Template, roleLogicalIdPrefix: string): IamStatement[] {
  return iamStatements(template).filter((s) => s.roles.some((r) => r.startsWith(`\${${roleLogicalIdPrefix}`)));
}

/** Every resource that `action` is allowed on in these statements. */
export function resourcesAllowed(statements: readonly IamStatement[], action: string): string[] {
  return statements.filter((s) => s.statement.Effect === 'Allow' && s.actions.includes(action)).flatMap((s) => s.resources);
}

/** Renders an intrinsic-laden CloudFormation value as readable text. */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof obj.Ref === 'string') return `\${${obj.Ref}}`;
    const getAtt = obj['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `\${${getAtt.map(String).join('.')}}`;
    const join = obj['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) return (join[1] as unknown[]).map(render).join(join[0]);
  }
  return JSON.stringify(value);
}

/** `arn:${AWS::Partition}:rds:<region>:<account>:<resource>` as {@link render} shows it. */
export function rdsArn(resource: string, region = REGION): string {
  return `arn:\${AWS::Partition}:rds:${region}:${ACCOUNT}:${resource}`;
}

function toArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as unknown[]) : [value];
}

/** Asserts that the template has a resource of this type with these properties (a CDK `Match` pattern). */
export function assertHasResource(template: Template, type: string, props: unknown): void {
  template.hasResourceProperties(type, props);
}

/** Asserts how many resources of this type the template has. */
export function assertResourceCount(template: Template, type: string, count: number): void {
  template.resourceCountIs(type, count);
}

/** The AWS Solutions errors and warnings cdk-nag reports in `scope` despite the acknowledgements, as `rule at path`. */
export function unacknowledgedNagFindings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations
    .filter((v) => v.severity === 'error' || v.severity === 'warning')
    .map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}
