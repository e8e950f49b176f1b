/**
 * Stands in for `@aws-sdk/client-route-53` in the bundles of a replica region's functions when no pair of the region
 * is a dns-switch pair (an esbuild alias set by infra/platform/refresh-function.ts, clientStandIns; the tests, the
 * simulation, the scripts and the bundles of a region with a dns-switch pair load the real client).
 *
 * The functions reach Route 53 only through lambdas/aws/route53.ts, whose client is built by `dnsRecordsFor`, and only
 * when some pair of the bundled configuration is a dns-switch pair: with none, nothing here is ever constructed, and
 * the client (about 85 KiB of each bundle of start-refresh, on-rds-event and the watchdog) is left out. Every name
 * route53.ts imports is here, so the bundle builds; each refuses, with this message, when it is constructed. The error
 * classes are still classes, so route53.ts's `instanceof` checks answer false rather than throw.
 * test/infra/platform/bundle-aliases.test.ts checks that this file offers every name lambdas/ imports from the client.
 */

const MESSAGE = 'Route 53 is not bundled with this function: no dns-switch pair in this region (lambdas/aws/no-route-53.ts); deploy the stack again after adding one';

function unavailable(): never {
  throw new Error(MESSAGE);
}

/** A class of the client that refuses to be constructed. */
class Refused {
  public constructor() {
    unavailable();
  }
}

export class Route53Client extends Refused {}
export class ChangeResourceRecordSetsCommand extends Refused {}
export class GetChangeCommand extends Refused {}
export class ListResourceRecordSetsCommand extends Refused {}
export class InvalidChangeBatch extends Refused {}
export class InvalidInput extends Refused {}
export class NoSuchChange extends Refused {}
export class NoSuchHostedZone extends Refused {}
