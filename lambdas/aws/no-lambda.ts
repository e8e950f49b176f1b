/**
 * Stands in for `@aws-sdk/client-lambda` in the bundles of a replica region's functions when no pair of the region has
 * an SQL function (no swap mode, no staging hooks: an esbuild alias set by infra/platform/refresh-function.ts,
 * clientStandIns; the tests, the simulation, the scripts, whose operator commands invoke start-refresh with the real
 * client, and the bundles of a region with such a pair load the real one).
 *
 * The functions reach Lambda only through lambdas/aws/functions.ts, whose client on-rds-event and the watchdog build in
 * `copyValidators` (lambdas/validation/copy.ts), and only when their configuration names a pair's SQL function
 * (`validationFunctions`): with none, nothing here is ever constructed, and the client (about 75 KiB of each of those
 * bundles) is left out. Every name functions.ts imports is here, so the bundle builds; each refuses, with this message,
 * when it is constructed. test/infra/platform/bundle-aliases.test.ts checks that this file offers every name lambdas/
 * imports from the client.
 */

const MESSAGE = 'Lambda is not bundled with this function: no pair in this region has a swap mode or staging hooks (lambdas/aws/no-lambda.ts); deploy the stack again after adding one';

function unavailable(): never {
  throw new Error(MESSAGE);
}

/** A class of the client that refuses to be constructed. */
class Refused {
  public constructor() {
    unavailable();
  }
}

export class LambdaClient extends Refused {}
export class InvokeCommand extends Refused {}
