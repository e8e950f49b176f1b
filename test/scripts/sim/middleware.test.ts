import { DescribeDBInstancesCommand, RDSServiceException } from '@aws-sdk/client-rds';
import { replicaRdsClient } from '../../../lambdas/aws/rds';
import { answerFromSimulator, retryWithoutDelay } from '../../../scripts/sim/middleware';

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

const throttled = () => new RDSServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });

/** A simulated replica-region RDS client whose first `failures` calls are throttled; counts the calls that reach the simulator. */
function rdsThrottled(failures: number) {
  const client = retryWithoutDelay(replicaRdsClient('eu-central-1', { credentials: CREDENTIALS }));
  const reached = { calls: 0 };
  answerFromSimulator(client, () => (++reached.calls <= failures ? Promise.reject(throttled()) : Promise.resolve({ DBInstances: [] })));
  return { client, reached };
}

describe('retryWithoutDelay', () => {
  it('retries a throttled call as the product client does, with no wait between the attempts', async () => {
    const { client, reached } = rdsThrottled(2);
    const out = await client.send(new DescribeDBInstancesCommand({}));
    expect(reached.calls).toBe(3);
    expect(out.$metadata).toMatchObject({ attempts: 3, totalRetryDelay: 0 });
  });

  it("gives up after the product client's own maxAttempts, as the product client does", async () => {
    const maxAttempts = await replicaRdsClient('eu-central-1', { credentials: CREDENTIALS }).config.maxAttempts();
    expect(maxAttempts).toBeGreaterThan(1);
    const { client, reached } = rdsThrottled(Infinity);
    const error = (await client.send(new DescribeDBInstancesCommand({})).catch((err: unknown) => err)) as RDSServiceException;
    expect(error.name).toBe('Throttling');
    expect(reached.calls).toBe(maxAttempts);
    expect(error.$metadata).toMatchObject({ attempts: maxAttempts, totalRetryDelay: 0 });
  });
});
