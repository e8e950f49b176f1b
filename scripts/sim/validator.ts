/**
 * The pair's SQL runner (the validation function, which also runs staging hooks), simulated: the same validateCopy (lambdas/validation/validate.ts) with the same `pg`
 * driver, against the real PostgreSQL behind the copy (scripts/sim/sql/servers.ts), reached the way the deployed
 * function reaches it: the copy's endpoint name through the simulated DNS. The password is read through the real
 * Secrets Manager adapter from the simulated Secrets Manager, and, as RDS would, the server admits the login only
 * with the instance's current master password (PGlite itself checks none: the check is made here, with PostgreSQL's
 * error, SQLSTATE 28P01, "password authentication failed for user"). PGlite serves no TLS, so the connection is in
 * plain text; the request is otherwise the one the deployed function gets.
 */
import type { PairConfig } from '../../lambdas/kernel/config';
import type { TargetView } from '../../lambdas/kernel/model';
import type { CopyValidation, CopyValidator, SecretReader } from '../../lambdas/kernel/ports';
import { openPostgres } from '../../lambdas/aws/postgres';
import { hooksRequest, recordOf, requestFor, setupOrFailure } from '../../lambdas/validation/copy';
import type { ValidationRequest } from '../../lambdas/validation/validate';
import { validateCopy } from '../../lambdas/validation/validate';
import type { ClientProbes } from './client-probe';
import type { SimRds } from './rds';

/** PostgreSQL's answer to a wrong password (SQLSTATE 28P01, invalid_password). */
class AuthenticationFailed extends Error {
  public readonly code = '28P01';
  public constructor(user: string) {
    super(`password authentication failed for user "${user}"`);
    this.name = 'error';
  }
}

/** Connection refused, as Node reports it, for a name that resolves to a server that does not listen. */
class ConnectionRefused extends Error {
  public readonly code = 'ECONNREFUSED';
  public constructor(host: string, port: number) {
    super(`connect ECONNREFUSED ${host}:${port}`);
    this.name = 'Error';
  }
}

/** Validates copies in the simulated account. */
export class SimValidator implements CopyValidator {
  public constructor(
    private readonly deps: {
      probes: ClientProbes;
      rds: SimRds;
      secrets: SecretReader;
      now: () => Date;
      /** Each validation asked for, for tests and the demo's log. */
      onValidation?: (pairId: string, copyId: string, result: CopyValidation) => void;
      /** Each run of staging hooks, for the demo's log. */
      onHooks?: (pairId: string, targetId: string, result: CopyValidation) => void;
      /** Whether tonight's hooks meet an error (the fault hook-fails). */
      breakHooks?: () => boolean;
    },
  ) {}

  public async validate({ pair, copy }: { pair: PairConfig; runId: string; copy: TargetView }): Promise<CopyValidation> {
    const request = setupOrFailure(() => requestFor(pair, copy));
    if ('ok' in request) return request;
    const record = await this.run(request);
    this.deps.onValidation?.(pair.id, copy.id, record);
    return record;
  }

  public async runHooks({ pair, target, afterRestore, validate }: Parameters<CopyValidator['runHooks']>[0]): Promise<CopyValidation> {
    const request = setupOrFailure(() => hooksRequest(pair, target, { afterRestore, validate }));
    if ('ok' in request) return request;
    // Fault hook-fails: the night's first change meets an error of the database's (a column it does not have).
    const broken = this.deps.breakHooks?.() ? { ...request, changes: (request.changes ?? []).map((c, i) => (i === 0 ? { ...c, sql: `${c.sql}\nselect no_such_column from sim_instance;` } : c)) } : request;
    const record = await this.run(broken);
    this.deps.onHooks?.(pair.id, target.id, record);
    return record;
  }

  /** Runs a request as the deployed function would, against the server behind the request's host. */
  private async run(request: ValidationRequest): Promise<CopyValidation> {
    const { probes, rds } = this.deps;
    await probes.sync();
    const result = await validateCopy(
      { ...request, ssl: 'disable' },
      {
        now: this.deps.now,
        readPassword: (arn, key) => this.deps.secrets.readPassword(arn, key),
        open: async (target) => {
          // The simulation's databases are PGlite (PostgreSQL): it has no MySQL server to run a MySQL copy's SQL on.
          if (target.dialect !== 'postgres') throw Object.assign(new Error(`the simulation has no ${target.dialect} server (its databases are PGlite, PostgreSQL): MySQL and MariaDB SQL runs on AWS only, and its driver is tested in test/lambdas/aws/mysql.test.ts`), { code: 'ESIMNOENGINE' });
          // The deployed function resolves the endpoint with the VPC's DNS: a fresh answer, nothing cached.
          const answer = probes.dns.resolver().resolve(target.host, this.deps.now());
          if ('error' in answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${target.host}`), { code: 'ENOTFOUND' });
          const server = probes.servers.atAddress(answer.address);
          if (!server?.port) throw new ConnectionRefused(answer.address, target.port);
          const expected = rds.masterPassword(server.instanceId);
          if (expected !== undefined && target.password !== expected) throw new AuthenticationFailed(target.user);
          return openPostgres({ ...target, host: '127.0.0.1', port: server.port });
        },
      },
    );
    return recordOf(result);
  }
}
