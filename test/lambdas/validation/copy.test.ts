/**
 * Asking for a copy's validation or a pair's hooks (lambdas/validation/copy.ts): the driver follows y's engine, and an
 * engine the runner has no driver for is a failed validation that says so, never a switch or a crash.
 */
import { toInstanceView } from '../../../lambdas/aws/rds';
import { dialectOf, hooksRequest, setupOrFailure } from '../../../lambdas/validation/copy';
import { parseValidationRequest } from '../../../lambdas/validation/validate';
import { pair, yInstance } from '../../support/fixtures';

const SECRET = 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:orders-staging-master-AbCdEf';
const RUNNER = { vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] } };
const HOOKS = { afterRestore: [{ name: 'sql/10-mask.sql', sql: 'update customers set email = null' }], validate: [{ name: 'sql/90-validate.sql', sql: 'select 1' }] };

describe('dialectOf', () => {
  it.each([
    ['postgres', 'postgres'],
    ['mysql', 'mysql'],
    ['mariadb', 'mysql'],
  ])('speaks %s with the %s driver', (engine, dialect) => {
    expect(dialectOf(engine)).toBe(dialect);
  });

  it.each(['oracle-ee', 'sqlserver-se', 'db2-se'])('has no driver for %s, and says which engines it has', (engine) => {
    expect(() => dialectOf(engine)).toThrow(new RegExp(`PostgreSQL, MySQL and MariaDB only.*${engine}`));
  });
});

describe('hooksRequest', () => {
  const hookPair = pair({ credentials: { mode: 'secret', secretArn: SECRET }, staging: { runner: RUNNER, onFailure: 'delete' } });

  it("asks a MySQL or MariaDB y's hooks of the mysql2 driver, as a request the runner takes", () => {
    for (const engine of ['mysql', 'mariadb']) {
      const y = toInstanceView(yInstance({ Engine: engine, EngineVersion: '8.0.39', MasterUsername: 'admin', Endpoint: { Address: 'orders-staging.abcdefghijkl.eu-central-1.rds.amazonaws.com', Port: 3306 } }));
      const request = hooksRequest(hookPair, y, HOOKS);
      expect(request).toMatchObject({ engine: 'mysql', port: 3306, user: 'admin', secretArn: SECRET, ssl: 'verify-full' });
      expect(request.changes).toEqual([{ name: 'sql/10-mask.sql', kind: 'change', sql: 'update customers set email = null' }]);
      expect(parseValidationRequest(JSON.parse(JSON.stringify(request)))).toEqual(request);
    }
  });

  it('turns a y of an engine without a driver into a failed run of hooks that names the engine', () => {
    const y = toInstanceView(yInstance({ Engine: 'oracle-ee', EngineVersion: '19.0.0.0.ru-2024-10.rur-2024-10.r1', Endpoint: { Address: 'orders-staging.abcdefghijkl.eu-central-1.rds.amazonaws.com', Port: 1521 } }));
    expect(setupOrFailure(() => hooksRequest(hookPair, y, HOOKS))).toEqual({ ok: false, steps: [], error: expect.stringMatching(/engine is oracle-ee/) as unknown });
  });
});
