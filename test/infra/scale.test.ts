/**
 * The most pairs one replica region takes, synthesized as `cdk synth` does (bundling off, cdk-nag on): every
 * stack under CloudFormation's 500 resources and every function's environment under Lambda's 4 KB, and one pair
 * more refused at synth with the count. CDK-heavy: two synths, nothing else.
 */
import { Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { buildApp } from '../../infra/app';
import { MAX_STACK_RESOURCES, enforceResourceLimit } from '../../infra/platform/resource-limit';
import { scaleConfig } from '../../scripts/sim/scale';
import { SKIP_BUNDLING, exampleConfig, newApp } from './helpers';

/** The most pairs of the example configuration (every alarm on, copies expired) one replica region takes. */
const MAX_PAIRS_PER_REGION = 38;

describe('pairs per region', () => {
  it(`synthesizes ${MAX_PAIRS_PER_REGION} pairs in one region within CloudFormation's and Lambda's limits, cdk-nag clean`, () => {
    const built = buildApp(scaleConfig(exampleConfig(), MAX_PAIRS_PER_REGION), newApp(SKIP_BUNDLING));
    const assembly = built.app.synth();
    const counts = assembly.stacks.map((s) => Object.keys((s.template as { Resources: object }).Resources).length);
    expect(counts).toHaveLength(2);
    for (const count of counts) expect(count).toBeLessThan(MAX_STACK_RESOURCES);
    const functions = [...built.stacks.values()].flatMap((s) => [s.startRefresh, s.onRdsEvent, s.watchdog, ...(s.retention ? [s.retention] : [])]).concat([...built.sourceStacks.values()].map((s) => s.copy));
    expect(functions).toHaveLength(5);
    for (const fn of functions) expect(fn.environmentBytes).toBeLessThan(4096);
    expect(JSON.parse(built.stacks.get('eu-central-1')?.watchdog.configFile.text ?? '{}')).toMatchObject({ pairs: expect.any(Array) as unknown });
  });

  it('refuses one pair more at synth, naming the stack, its resources and its pairs', () => {
    const built = buildApp(scaleConfig(exampleConfig(), MAX_PAIRS_PER_REGION + 1), newApp(SKIP_BUNDLING));
    expect(() => built.app.synth()).toThrow(
      new RegExp(`ReplicaRefresh-eu-central-1 would hold 5\\d\\d resources, over CloudFormation's limit of 500 per stack: its ${MAX_PAIRS_PER_REGION + 1} pair\\(s\\) each add`),
    );
  });

  it('counts the resources of any stack it guards', () => {
    const stack = new Stack(newApp(), 'Many', { env: { account: '111111111111', region: 'eu-central-1' } });
    enforceResourceLimit(stack, 7, 'a queue');
    for (let i = 0; i < MAX_STACK_RESOURCES; i++) new sqs.CfnQueue(stack, `Q${i}`);
    expect(stack.node.validate()).toEqual([expect.stringMatching(/^Many would hold 501 resources, over CloudFormation's limit of 500 per stack: its 7 pair\(s\) each add a queue\./)]);
  });
});
