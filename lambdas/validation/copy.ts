/**
 * Asking for a copy's validation: what the refresh knows of the copy (its endpoint, master user, the pair's
 * credentials) turned into a validation request (./validate.ts), and the port that runs it. In AWS the request goes
 * to the pair's validation function inside y's VPC (infra/features/copy-validation.ts), invoked synchronously; the
 * simulation runs the same validateCopy against a real PostgreSQL (scripts/sim/validator.ts).
 */
import { FunctionInvoker, lambdaClient } from '../aws/functions';
import type { RuntimeConfig } from '../kernel/config';
import type { PairConfig } from '../kernel/config';
import type { TargetView, ValidationStepResult } from '../kernel/model';
import type { CopyValidation, CopyValidator, Deps } from '../kernel/ports';
import type { SqlDialect, StepResult } from '../sql/steps';
import { engineFamily } from '../targets/instance/engines';
import type { ValidationSpec } from './spec';
import type { CopyToValidate, ValidationRequest, ValidationResult } from './validate';
import { ValidationSetupError, validationRequest } from './validate';

/** The pair's validation section; a pair without a swap mode has none. */
export function validationSpecOf(pair: PairConfig): ValidationSpec | undefined {
  return pair.refresh.mode === 'delete-first' ? undefined : pair.refresh.validation;
}

/**
 * The SQL an engine speaks, for the driver that connects to it: PostgreSQL's, or MySQL's for RDS for MySQL and
 * MariaDB (MariaDB speaks MySQL's protocol and `mysql2` connects to it).
 * @throws ValidationSetupError for another engine: the runner has no driver for it
 */
export function dialectOf(engine: string): SqlDialect {
  const family = engineFamily(engine);
  if (family === 'postgres') return 'postgres';
  if (family === 'mysql' || family === 'mariadb') return 'mysql';
  throw new ValidationSetupError(`the SQL runner connects to PostgreSQL, MySQL and MariaDB only (pg, mysql2), and this copy's engine is ${engine}`);
}

/**
 * Where the copy is and which secret holds its password: the pair's secret (`credentials.mode` `secret`, set on the
 * copy before it is validated), the copy's RDS-managed secret (`managed`), or none (`source`: production's password,
 * which only `validation.credentialsSecretArn` can name).
 * @throws ValidationSetupError when the copy has no endpoint yet, or an engine the runner has no driver for
 */
export function copyToValidate(pair: PairConfig, copy: TargetView): CopyToValidate {
  if (copy.kind === 'cluster' || !copy.endpoint) throw new ValidationSetupError(`${copy.id} has no endpoint to connect to (status ${copy.status})`);
  const c = pair.credentials;
  const secret = c.mode === 'secret' ? { arn: c.secretArn, passwordKey: c.passwordKey } : c.mode === 'managed' && copy.masterUserSecretArn ? { arn: copy.masterUserSecretArn, passwordKey: 'password' } : undefined;
  return { dialect: dialectOf(copy.engine), host: copy.endpoint.address, port: copy.endpoint.port, masterUsername: copy.masterUsername ?? 'postgres', ...(secret ? { secret } : {}) };
}

/** The request for a pair's copy. */
export function requestFor(pair: PairConfig, copy: TargetView): ValidationRequest {
  const spec = validationSpecOf(pair);
  if (!spec) throw new ValidationSetupError(`pair ${pair.id} has no validation section (refresh.mode "${pair.refresh.mode}")`);
  return validationRequest(spec, copyToValidate(pair, copy));
}

/** The request that runs a pair's staging hooks on `target` with its runner's settings (`staging.runner`). */
export function hooksRequest(pair: PairConfig, target: TargetView, hooks: { afterRestore: readonly { name: string; sql: string }[]; validate: readonly { name: string; sql: string }[] }): ValidationRequest {
  const runner = pair.staging?.runner;
  if (!runner) throw new ValidationSetupError(`pair ${pair.id} has staging hooks and no staging.runner to run them`);
  const base = validationRequest({ ...runner, tables: ['unused'] }, copyToValidate(pair, target));
  const { checks: _unused, ...rest } = base;
  return {
    ...rest,
    changes: hooks.afterRestore.map((h) => ({ name: h.name, kind: 'change' as const, sql: h.sql })),
    steps: hooks.validate.map((h) => ({ name: h.name, kind: 'check' as const, sql: h.sql })),
  };
}

/**
 * Builds a request, or the failed validation that says why it cannot be built (a setting to add): never a switch.
 */
export function setupOrFailure(build: () => ValidationRequest): ValidationRequest | CopyValidation {
  try {
    return build();
  } catch (err) {
    if (!(err instanceof ValidationSetupError)) throw err;
    return { ok: false, steps: [], error: err.message };
  }
}

/** A validation's result as the run records it. */
export function recordOf(result: ValidationResult): CopyValidation {
  const steps: ValidationStepResult[] = result.steps.map((s: StepResult) => ({ name: s.name, status: s.status, ms: s.ms, ...(s.rows !== undefined ? { rows: s.rows } : {}), ...(s.error !== undefined ? { error: s.error } : {}) }));
  return { ok: result.ok, steps, ...(result.error !== undefined ? { error: result.error } : {}) };
}

/** Validates copies with each pair's validation function, invoked synchronously (the answer decides the switch). */
export class LambdaCopyValidator implements CopyValidator {
  public constructor(
    private readonly invoker: Pick<FunctionInvoker, 'invoke'>,
    /** The validation function of each pair with a swap mode (the runtime configuration's validationFunctions). */
    private readonly functions: Readonly<Record<string, string>>,
  ) {}

  public async validate({ pair, copy }: { pair: PairConfig; runId: string; copy: TargetView }): Promise<CopyValidation> {
    const fn = this.functions[pair.id];
    if (!fn) throw new ValidationSetupError(`no validation function is deployed for pair ${pair.id}: redeploy the stack ("npx cdk deploy") so that it creates one`);
    const request = setupOrFailure(() => requestFor(pair, copy));
    if ('ok' in request) return request;
    return recordOf(await this.invoker.invoke<ValidationResult>(fn, request));
  }

  public async runHooks({ pair, target, afterRestore, validate }: Parameters<CopyValidator['runHooks']>[0]): Promise<CopyValidation> {
    const fn = this.functions[pair.id];
    if (!fn) throw new ValidationSetupError(`no SQL runner function is deployed for pair ${pair.id}: redeploy the stack ("npx cdk deploy") so that it creates one`);
    const request = setupOrFailure(() => hooksRequest(pair, target, { afterRestore, validate }));
    if ('ok' in request) return request;
    return recordOf(await this.invoker.invoke<ValidationResult>(fn, request));
  }
}

/**
 * The validator of the functions that switch clients (on-rds-event, the watchdog): each swap pair's validation
 * function, invoked synchronously. Undefined when no pair of the region has a swap mode. A handler imports this
 * factory itself (kernel/runtime.ts does not), so that only those two bundles carry the Lambda client.
 */
export const copyValidators = (config: RuntimeConfig): Deps['validator'] => {
  const functions = config.validationFunctions ?? {};
  return Object.keys(functions).length > 0 ? new LambdaCopyValidator(new FunctionInvoker(lambdaClient(config.region)), functions) : undefined;
};
