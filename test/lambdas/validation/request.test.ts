/**
 * The validation function's payload (lambdas/validation/validate.ts): JSON without a password, built from a pair's
 * `validation` section, parsed by the handler (lambdas/handlers/validate-copy.ts), which refuses what is no request
 * with the field at fault, and plain text unless its host allows it.
 */
import { createHandler } from '../../../lambdas/handlers/validate-copy';
import { validationSchema } from '../../../lambdas/validation/spec';
import { ValidationRequestError, ValidationSetupError, parseValidationRequest, tlsOptions, validationRequest, type ValidationDeps, type ValidationRequest } from '../../../lambdas/validation/validate';

const SECRET = 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:orders-staging-master-AbCdEf';
const VALIDATION_SECRET = 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:orders-staging-validation-XyZ123';
const VPC = { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] };
const COPY = { dialect: 'postgres' as const, host: 'orders-staging-b.abcdefghijkl.eu-central-1.rds.amazonaws.com', port: 5432, masterUsername: 'admin_user' };

function payload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    host: COPY.host,
    port: 5432,
    user: 'postgres',
    database: 'postgres',
    secretArn: SECRET,
    checks: { tables: ['public.orders'] },
    timeoutMs: 30000,
    ssl: 'verify-full',
    ...overrides,
  };
}

/** The problem lines of a refused payload, or [] when it parses. */
function problems(input: unknown): string[] {
  try {
    parseValidationRequest(input);
    return [];
  } catch (err) {
    if (!(err instanceof ValidationRequestError)) throw err;
    return [...err.problems];
  }
}

describe('parseValidationRequest', () => {
  it('takes a request and fills in the password key', () => {
    expect(parseValidationRequest(payload())).toEqual({ ...payload(), engine: 'postgres', passwordKey: 'password' });
  });

  it.each([
    ['no payload at all', undefined, 'payload: '],
    ['the host missing', payload({ host: undefined }), "host: must be the copy's endpoint address"],
    ['the user missing', payload({ user: undefined }), 'user: must name the user to log in as'],
    ['the database missing', payload({ database: undefined }), 'database: must name the database'],
    ['the secret missing', payload({ secretArn: undefined }), 'secretArn: must be the ARN of the secret holding the password'],
    ['checks that are no object', payload({ checks: 'orders' }), 'checks: must be {"tables": ['],
    ['an empty host', payload({ host: '' }), "host: must be the copy's endpoint address"],
    ['a port out of range', payload({ port: 70000 }), 'port: must be a port from 1 to 65535'],
    ['a port as text', payload({ port: '5432' }), 'port: must be the port number, such as 5432'],
    ['a secret that is no secret ARN', payload({ secretArn: 'orders-staging-master' }), 'secretArn: must be a Secrets Manager secret ARN'],
    ['a table that is no identifier', payload({ checks: { tables: ['public.orders', 'drop table x;'] } }), 'checks.tables[1]: must be a table name'],
    ['no table', payload({ checks: { tables: [] } }), 'checks.tables: must list at least one table'],
    ['a change among the steps', payload({ steps: [{ name: 'mask.sql', kind: 'change', sql: 'update t set x = 0' }] }), 'steps[0].kind: must be "check": validation only reads the copy'],
    ['a time limit past Lambda\'s', payload({ timeoutMs: 900001 }), 'timeoutMs: must be at most 900000 ms'],
    ['an unknown TLS mode', payload({ ssl: 'require' }), 'ssl: must be "verify-full"'],
    ['a password', payload({ password: 'hunter2' }), 'payload: unknown key(s) "password" (a request never carries a password: name its secret with secretArn)'],
  ])('refuses %s, naming the field', (_name, input, expected) => {
    expect(problems(input)).toEqual([expect.stringContaining(expected)]);
  });

  it('never repeats a password it refuses', () => {
    let message = '';
    try {
      parseValidationRequest(payload({ password: 'hunter2' }));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('"password"');
    expect(message).not.toContain('hunter2');
  });
});

describe('validationRequest', () => {
  const spec = validationSchema.parse({ tables: ['public.orders'], freshness: { table: 'public.orders', column: 'updated_at', maxAgeHours: 26 }, timeoutSeconds: 12.5, vpc: VPC });

  it("asks for the copy as the master user with the pair's secret, over verified TLS, as JSON a Lambda payload carries unchanged", () => {
    const request = validationRequest(spec, { ...COPY, secret: { arn: SECRET, passwordKey: 'pw' } });
    expect(request).toEqual({
      engine: 'postgres',
      host: COPY.host,
      port: 5432,
      user: 'admin_user',
      database: 'postgres',
      secretArn: SECRET,
      passwordKey: 'pw',
      checks: { tables: ['public.orders'], freshness: { table: 'public.orders', column: 'updated_at', maxAgeHours: 26 } },
      timeoutMs: 12500,
      ssl: 'verify-full',
    });
    const wire: unknown = JSON.parse(JSON.stringify(request));
    expect(parseValidationRequest(wire)).toEqual(request);
    expect(Object.keys(request).filter((k) => /pass/i.test(k) && k !== 'passwordKey')).toEqual([]);
  });

  it("uses validation.user and validation.credentialsSecretArn when set (a pair that keeps production's credentials)", () => {
    const own = validationSchema.parse({ tables: ['orders'], user: 'validator', credentialsSecretArn: VALIDATION_SECRET, passwordKey: 'secret', vpc: VPC });
    expect(validationRequest(own, COPY)).toMatchObject({ user: 'validator', secretArn: VALIDATION_SECRET, passwordKey: 'secret' });
    expect(validationRequest(own, { ...COPY, secret: { arn: SECRET, passwordKey: 'password' } })).toMatchObject({ secretArn: VALIDATION_SECRET });
  });

  it('refuses a copy whose password no secret holds, saying which setting to add', () => {
    expect(() => validationRequest(spec, COPY)).toThrow(ValidationSetupError);
    expect(() => validationRequest(spec, COPY)).toThrow(/set validation\.credentialsSecretArn/);
  });
});

describe('tlsOptions', () => {
  it('verifies the chain for verify-full (pg checks the host name against the certificate), and is off for disable', () => {
    expect(tlsOptions('verify-full')).toEqual({ rejectUnauthorized: true });
    expect(tlsOptions('disable')).toBe(false);
  });
});

describe('the validate-copy handler', () => {
  function untouched(): { deps: ValidationDeps; calls: string[] } {
    const calls: string[] = [];
    return {
      calls,
      deps: {
        open: () => {
          calls.push('open');
          return Promise.reject(new Error('not expected'));
        },
        readPassword: () => {
          calls.push('readPassword');
          return Promise.reject(new Error('not expected'));
        },
        now: () => new Date('2026-11-21T03:00:00Z'),
      },
    };
  }

  it('refuses a payload that is no request, naming the field, before reading any secret', async () => {
    const { deps, calls } = untouched();
    await expect(createHandler(deps)(payload({ checks: { tables: ['orders;'] } }))).rejects.toThrow(/checks\.tables\[0\]: must be a table name/);
    expect(calls).toEqual([]);
  });

  it('refuses plain text: the password goes only to a server whose certificate was verified', async () => {
    const { deps, calls } = untouched();
    const plain = payload({ ssl: 'disable' }) as unknown as ValidationRequest;
    await expect(createHandler(deps)(plain)).rejects.toThrow(ValidationRequestError);
    await expect(createHandler(deps)(plain)).rejects.toThrow(/ssl: must be "verify-full"/);
    expect(calls).toEqual([]);
  });

  it('answers a copy that cannot be reached with a failed validation, not an error', async () => {
    const { deps } = untouched();
    const result = await createHandler({ ...deps, readPassword: () => Promise.resolve('pw') })(payload());
    expect(result).toMatchObject({ ok: false, error: 'connect: not expected', steps: [{ name: 'connect', status: 'failed' }, { name: 'rows in public.orders', status: 'skipped' }] });
  });
});
