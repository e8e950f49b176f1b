/**
 * Many pairs in one region, synthesized as `cdk synth` does (bundling off, cdk-nag on): the 200 pairs with
 * every stack under CloudFormation's 500 resources and every function's environment under Lambda's 4 KB; the most
 * pairs one replica region takes, and one pair more refused at synth with the count. CDK-heavy: four synths.
 */
import { Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { buildApp } from '../../infra/app';
import { MAX_STACK_RESOURCES, enforceResourceLimit } from '../../infra/platform/resource-limit';
import { scaleConfig } from '../../scripts/sim/scale';
import { SKIP_BUNDLING, exampleConfig, newApp } from './helpers';

/**
 * The most pairs of the example configuration (every alarm on, copies expired) one replica region takes: the stack's
 * own resources (alarms, retention schedules and dashboard included) plus one refresh schedule per pair.
 */
const MAX_PAIRS_PER_REGION = 413;

/** Synthesizes the example pair cloned `pairs` times: each stack's resource count, and every function's environment size. */
function synth(pairs: number) {
  const built = buildApp(scaleConfig(exampleConfig(), pairs), newApp(SKIP_BUNDLING));
  const assembly = built.app.synth();
  const resources = Object.fromEntries(assembly.stacks.map((s) => [s.stackName, Object.values((s.template as { Resources: Record<string, { Type: string }> }).Resources)]));
  const functions = [...built.stacks.values()].flatMap((s) => [s.startRefresh, s.onRdsEvent, s.watchdog, ...(s.retention ? [s.retention] : [])]).concat([...built.sourceStacks.values()].map((s) => s.copy));
  return { built, resources, functions };
}

describe('pairs per region', () => {
  it("synthesizes the issue's 200 pairs in one region within CloudFormation's and Lambda's limits, cdk-nag clean", () => {
    const { built, resources, functions } = synth(200);
    expect(Object.keys(resources).sort()).toEqual(['ReplicaRefresh-eu-central-1', 'ReplicaRefreshSource-eu-west-1']);
    for (const list of Object.values(resources)) expect(list.length).toBeLessThan(MAX_STACK_RESOURCES);
    const replica = resources['ReplicaRefresh-eu-central-1'] ?? [];
    const ofType = (type: string) => replica.filter((r) => r.Type === type).length;
    // What still grows with the pairs: a refresh schedule each. The alarms over the replicas and the retention
    // schedule (one cron and zone) stay as they are for one pair.
    expect(ofType('AWS::Scheduler::Schedule')).toBe(200 + 1 + 1);
    expect(ofType('AWS::CloudWatch::Alarm')).toBe(9 + 13);
    expect(ofType('AWS::CloudWatch::Dashboard')).toBe(1);
    expect(functions).toHaveLength(5);
    for (const fn of functions) expect(fn.environmentBytes).toBeLessThan(4096);
    expect(JSON.parse(built.stacks.get('eu-central-1')?.watchdog.configFile.text ?? '{}')).toMatchObject({ pairs: expect.any(Array) as unknown, noSuccessWithinHours: 26 });
  });

  it(`takes ${MAX_PAIRS_PER_REGION} pairs in one region`, () => {
    const { resources } = synth(MAX_PAIRS_PER_REGION);
    // With CDK's metadata resource, the last one that fits.
    expect((resources['ReplicaRefresh-eu-central-1'] ?? []).length + 1).toBe(MAX_STACK_RESOURCES);
  });

  it('refuses one pair more at synth, naming the stack, its resources and what each pair adds', () => {
    const built = buildApp(scaleConfig(exampleConfig(), MAX_PAIRS_PER_REGION + 1), newApp(SKIP_BUNDLING));
    expect(() => built.app.synth()).toThrow(
      new RegExp(`ReplicaRefresh-eu-central-1 would hold 501 resources, over CloudFormation's limit of 500 per stack: its ${MAX_PAIRS_PER_REGION + 1} pair\\(s\\) each add its refresh schedule`),
    );
  });

  it('counts the resources of any stack it guards', () => {
    const stack = new Stack(newApp(), 'Many', { env: { account: '111111111111', region: 'eu-central-1' } });
    enforceResourceLimit(stack, 7, 'a queue');
    for (let i = 0; i < MAX_STACK_RESOURCES; i++) new sqs.CfnQueue(stack, `Q${i}`);
    expect(stack.node.validate()).toEqual([expect.stringMatching(/^Many would hold 501 resources, over CloudFormation's limit of 500 per stack: its 7 pair\(s\) each add a queue\./)]);
  });
});
