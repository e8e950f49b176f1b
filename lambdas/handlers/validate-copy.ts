/**
 * Entry point of the validation function (infra/features/copy-validation.ts), which runs inside y's VPC: a swap mode
 * invokes it with a ValidationRequest (lambdas/validation/validate.ts; no password: the function reads it from Secrets
 * Manager) before it switches clients to a new copy, and switches only when the result is ok.
 *
 * TLS. The copy's certificate is issued by an RDS CA, which Node does not trust by itself. The Lambda Developer
 * Guide, "Building Lambda functions with Node.js", section "CA certificate loading"
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html), says: from Node.js 20 on, Lambda no longer loads
 * the Amazon CA certificates (RDS's among them) by default; the runtime holds them all in /var/runtime/ca-cert.pem,
 * and setting the NODE_EXTRA_CA_CERTS environment variable to that file loads them as the older runtimes did. (The
 * same section recommends bundling only the certificates needed, for cold-start time; this function runs once per
 * refresh, where a few hundred milliseconds do not matter, and the runtime's file comes with the runtime, so no copy
 * of RDS's bundle in this repository can fall behind a CA rotation.) CopyValidation sets NODE_EXTRA_CA_CERTS so; the
 * connection then verifies the chain and the host name (`ssl: 'verify-full'`, see tlsOptions), and a plain-text
 * request is refused.
 */
import type { Context } from 'aws-lambda';
import { openMysql } from '../aws/mysql';
import { openPostgres } from '../aws/postgres';
import { SecretsAdapter, secretsClient } from '../aws/secrets';
import { logger } from '../kernel/powertools';
import type { SqlServer, SqlSession, SqlTarget } from '../sql/steps';
import type { ValidationDeps, ValidationResult } from '../validation/validate';
import { LAMBDA_CA_BUNDLE, ValidationRequestError, parseValidationRequest, validateCopy } from '../validation/validate';

/** Node's codes for a certificate chain that ends at no trusted CA. */
const UNTRUSTED_CHAIN = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);

/** A TLS failure with what to do about it; the driver's message and code kept. */
function explainTls(err: unknown, target: SqlServer): unknown {
  const e = err as { message?: unknown; code?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  let hint: string | undefined;
  if (UNTRUSTED_CHAIN.has(code)) {
    hint = `the server's certificate does not chain to a trusted CA: the function must run with NODE_EXTRA_CA_CERTS=${LAMBDA_CA_BUNDLE} (CopyValidation sets it), and the copy must use an RDS CA`;
  } else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    hint = `the server's certificate does not name ${target.host}: connect to the copy's endpoint address, not an IP address or another DNS name`;
  }
  if (hint === undefined) return err;
  return Object.assign(new Error(`${message}; ${hint}`, { cause: err }), { code });
}

/**
 * The validation's dependencies in Lambda: `pg` (or `mysql2`, for MySQL and MariaDB) over TLS, Secrets Manager in the secret's own region (a client per
 * region, built once), the wall clock.
 */
export function lambdaValidationDeps(): ValidationDeps {
  const secrets = new Map<string, SecretsAdapter>();
  return {
    open: async (target: SqlTarget): Promise<SqlSession> => {
      try {
        return await (target.dialect === 'mysql' ? openMysql(target) : openPostgres(target));
      } catch (err) {
        throw explainTls(err, target);
      }
    },
    readPassword: (secretArn, key) => {
      // arn:<partition>:secretsmanager:<region>:<account>:secret:<name>; the request's schema checked the form.
      const region = secretArn.split(':')[3] ?? '';
      let adapter = secrets.get(region);
      if (!adapter) secrets.set(region, (adapter = new SecretsAdapter(secretsClient(region))));
      return adapter.readPassword(secretArn, key);
    },
    now: () => new Date(),
  };
}

/** Options of {@link createHandler}. */
export interface ValidateCopyHandlerOptions {
  /**
   * Accept requests with `ssl: 'disable'`: for hosts that run the handler against a local server without TLS (the
   * simulation). The deployed function never does: the password is sent only to a server whose certificate was verified.
   * @default false
   */
  readonly allowPlaintext?: boolean;
}

/**
 * The handler over given dependencies. A payload that is no validation request is refused with an error naming each
 * field at fault; a copy that fails validation is a result with `ok: false`, not an error.
 */
export function createHandler(deps: ValidationDeps, options: ValidateCopyHandlerOptions = {}) {
  return async (event: unknown, context?: Context): Promise<ValidationResult> => {
    if (context) logger.addContext(context);
    const request = parseValidationRequest(event);
    if (request.ssl === 'disable' && options.allowPlaintext !== true) {
      const problem = 'ssl: must be "verify-full": the validation function sends the password only to a server whose RDS certificate it verified';
      throw new ValidationRequestError(`invalid validation request:\n  - ${problem}`, [problem]);
    }
    const result = await validateCopy(request, deps);
    const fields = { host: request.host, port: request.port, database: request.database, user: request.user, ok: result.ok, error: result.error, steps: result.steps };
    if (result.ok) logger.info('copy validated', fields);
    else logger.warn('copy failed validation', fields);
    return result;
  };
}

export const handler = createHandler(lambdaValidationDeps());
