/**
 * Entry point of the nightly schedule and of on-demand drills and plans: validates the request,
 * then runs the preflight and, if it passes, deletes y.
 */
import type { Context } from 'aws-lambda';
// zod/mini, as lambdas/kernel/config.ts (which loads the English messages): only the checks used are bundled.
import * as z from 'zod/mini';
import type { StartResult } from '../refresh/start';
import { startRefresh } from '../refresh/start';
import { logger } from '../kernel/powertools';
import type { Runtime } from '../kernel/runtime';
import { dnsRecordsFor } from '../aws/route53';
import { lambdaRuntime, masterPasswords, notifications, replicaRds, replicaTargets, runLedger, withoutParameterStore } from '../kernel/runtime';

/** What the schedule (or `drill`/`plan`) sends. */
export const startRequestSchema = z.strictObject({
  replica: z.string().check(z.minLength(1)),
  trigger: z._default(z.enum(['schedule', 'drill', 'restore']), 'schedule'),
  requestId: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  scheduledTime: z.optional(z.string()),
  snapshotId: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  allowOlder: z.optional(z.boolean()),
  dryRun: z._default(z.boolean(), false),
});

/** A rejected request: nothing was read or changed. */
export interface RejectedRequest {
  outcome: 'rejected';
  reason: string;
}

/** The handler over a given runtime. */
export function createHandler({ config, deps }: Runtime) {
  return async (event: unknown, context?: Context): Promise<StartResult | RejectedRequest> => {
    if (context) logger.addContext(context);
    const parsed = startRequestSchema.safeParse(event);
    if (!parsed.success) {
      const reason = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
      deps.telemetry.count('StartRejected', 1);
      deps.telemetry.error('start request rejected', { reason, event });
      return { outcome: 'rejected', reason: `invalid start request: ${reason}; expected {"replica": "<y>", "trigger": "schedule", "drill" or "restore"}` };
    }
    const { scheduledTime, ...rest } = parsed.data;
    // A schedule's execution id changes on every retry attempt; the schedule and its scheduled time do not, so they
    // are the idempotency key: a retried invocation continues its run instead of being refused as a second start.
    const request = rest.trigger === 'schedule' && scheduledTime ? { ...rest, requestId: `${rest.replica}@${scheduledTime}` } : rest;
    logger.appendKeys({ replica: request.replica });
    try {
      const result = await startRefresh(deps, config, request);
      logger.info('start-refresh finished', { outcome: result.outcome, runId: 'runId' in result ? result.runId : undefined });
      return result;
    } finally {
      logger.removeKeys(['replica']);
    }
  };
}

// RDS, the ledger, notifications and (for the preflight of credentials mode `secret`) Secrets Manager; no SSM: only the
// step after a restore publishes a parameter, and it runs in on-rds-event and the watchdog.
export const handler = createHandler(
  lambdaRuntime({ rds: replicaRds, targets: replicaTargets, ledger: runLedger, notifier: notifications, secrets: masterPasswords, parameters: () => withoutParameterStore('start-refresh'), dns: dnsRecordsFor }),
);
