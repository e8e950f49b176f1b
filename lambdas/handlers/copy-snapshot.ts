/**
 * Entry point of the copy function in x's region: x's new snapshots (EventBridge), deferred copies
 * (the delay queue), the sweep and the extra-snapshot schedule; deployed by the source-region stack.
 */
import type { Context } from 'aws-lambda';
import type { CopyInvocationOutcome } from '../copy/invocation';
import { handleCopyInvocation } from '../copy/invocation';
import type { CopyRuntime } from '../copy/runtime';
import { copyRuntime } from '../copy/runtime';
import { logger } from '../kernel/powertools';

/** The handler over a given runtime. */
export function createHandler({ config, deps }: CopyRuntime) {
  return async (event: unknown, context?: Context): Promise<CopyInvocationOutcome[]> => {
    if (context) logger.addContext(context);
    const outcomes = await handleCopyInvocation(deps, config.pairs, event);
    logger.info('copy invocation', { outcomes });
    return outcomes;
  };
}

export const handler = createHandler(copyRuntime());
