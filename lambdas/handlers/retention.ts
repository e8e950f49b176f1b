/**
 * Entry point of the retention schedule: deletes the project's expired copies of x in y's region,
 * never the one y holds or an active run has chosen, and never a snapshot without the ownership tag.
 */
import type { Context } from 'aws-lambda';
import type { RetentionPass } from '../retention/retention';
import { handleRetention } from '../retention/retention';
import { logger } from '../kernel/powertools';
import type { Runtime } from '../kernel/runtime';
import { runtime } from '../kernel/runtime';

/** The handler over a given runtime. */
export function createHandler({ config, deps }: Runtime) {
  return async (event: unknown, context?: Context): Promise<RetentionPass[]> => {
    if (context) logger.addContext(context);
    return handleRetention(deps, config, event);
  };
}

export const handler = createHandler(runtime());
