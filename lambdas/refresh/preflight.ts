/**
 * The preflight: every check that must pass before y may be deleted. Pure: it judges what the
 * caller fetched and never fetches or acts.
 */
import type { PairConfig } from '../kernel/config';
import { managedSecretParameter } from '../kernel/config';
import type { CheckResult, ProxyTarget, SnapshotView, TargetView } from '../kernel/model';
import { REPLICATED_BACKUP, dataTimeOf } from '../sources/snapshots';
import { LINEAGE_TAGS, lineageOf, ownTags } from '../targets/lineage';
import { targetOf } from '../targets/registry';
import type { TargetFacts } from '../targets/target';

/** RDS allows 50 tags per resource. */
const MAX_TAGS = 50;

/** The part of an engine version that must match for y's parameter and option groups to fit the snapshot. */
export function majorVersion(engine: string, version: string | undefined): string | undefined {
  if (!version) return undefined;
  const parts = version.split('.');
  // MySQL and MariaDB majors are two parts (8.0, 10.11; Aurora MySQL 8.0.mysql_aurora.3.08.0); the others are one (16, 19, 15).
  return /^(mysql|mariadb|aurora-mysql)/.test(engine) ? parts.slice(0, 2).join('.') : parts[0];
}

function compatibility(replica: TargetView, facts: TargetFacts, snapshot: SnapshotView): CheckResult {
  const engineOk = !snapshot.engine || snapshot.engine === replica.engine;
  const ym = majorVersion(replica.engine, replica.engineVersion);
  const sm = majorVersion(replica.engine, snapshot.engineVersion);
  if (!engineOk || (ym && sm && ym !== sm)) {
    return check(
      'snapshot-compatible',
      false,
      `${snapshot.id} is ${snapshot.engine ?? '?'} ${snapshot.engineVersion ?? '?'} but y is ${replica.engine} ${replica.engineVersion ?? '?'}: y's parameter and option groups would not fit. Upgrade y to the same major version (or set overrides for the groups) first`,
    );
  }
  const grow = snapshot.allocatedStorage !== undefined && facts.allocatedStorage !== undefined && facts.allocatedStorage < snapshot.allocatedStorage;
  return check(
    'snapshot-compatible',
    true,
    `${snapshot.engine ?? replica.engine} ${snapshot.engineVersion ?? '(version unknown)'} fits y${grow ? `; y will grow to the snapshot's ${snapshot.allocatedStorage} GiB (storage cannot shrink)` : ''}`,
  );
}

/**
 * The checks every preflight of an existing y runs, in order. `npm run plan` shows the ones a verdict lacks as SKIP
 * (not checked: y or the snapshot they need is missing); the others are added only where they apply.
 */
export const CORE_CHECKS = ['replica-is-not-source', 'replica-exists', 'replica-deletable', 'ownership-tag', 'deletion-protection', 'credentials', 'snapshot-available', 'snapshot-newer', 'snapshot-compatible', 'tag-limit'] as const;

/** What the preflight looks at. */
export interface PreflightInput {
  pair: PairConfig;
  /** y as described now, or undefined when it does not exist. */
  replica: TargetView | undefined;
  /** The snapshot that would be restored, or why there is none. */
  snapshot: SnapshotView | undefined;
  snapshotProblem?: string;
  /** Mode `secret`: why the pair's secret cannot be used, or undefined when it was read. */
  secretProblem?: string;
  /** The RDS Proxy target groups that list y. */
  proxyTargets?: readonly ProxyTarget[];
  /** The project's run that restored y as it is now (from y's lineage tag), with how it closed. */
  restoredBy?: { runId: string; status: string };
  /** The operator pinned the snapshot; `allowOlder` accepts one older than maxSnapshotAgeHours or than y's data. */
  pinned?: { allowOlder: boolean };
  now: Date;
}

/** The verdict: every check, and whether y may be deleted. */
export interface PreflightResult {
  ok: boolean;
  checks: CheckResult[];
  /** Deletion protection is on and config allows turning it off first. */
  mustDisableDeletionProtection: boolean;
  /** y is a failed restore of the project's: it is deleted without a final snapshot (RDS refuses one in those states). */
  replacesFailedRestore: boolean;
}

function check(id: string, ok: boolean, detail: string): CheckResult {
  return { id, ok, detail };
}

function hoursBetween(a: Date, b: Date): number {
  return (b.getTime() - a.getTime()) / 3_600_000;
}

/** y's master credentials after the refresh are what the pair chose, and a `secret` is readable now, before y is deleted. */
function credentialsCheck({ pair, secretProblem }: PreflightInput): CheckResult {
  const c = pair.credentials;
  if (c.mode === 'secret') {
    return secretProblem
      ? check('credentials', false, `credentials.secretArn cannot be used: ${secretProblem}; without it the new y would keep production's master password. Fix the secret or the functions' access to it`)
      : check('credentials', true, `the new y's master password comes from ${c.secretArn}`);
  }
  if (c.mode === 'managed') return check('credentials', true, `RDS will manage the new y's master password; its new secret's ARN is published to ${managedSecretParameter(pair) ?? '?'}`);
  return check('credentials', true, `the new y keeps x's master user and password (credentials.mode "source")`);
}

/** What the functions must be allowed to carry across: y's associated IAM roles (PassRole) and its RDS Proxies. */
function carriedAcrossChecks({ pair, proxyTargets }: PreflightInput, facts: TargetFacts): CheckResult[] {
  const y = pair.replica.identifier;
  const out: CheckResult[] = [];
  const allowedRoles = new Set(pair.associatedRoleArns ?? []);
  const roles = facts.associatedRoles;
  const missing = roles.filter((r) => !allowedRoles.has(r.roleArn));
  out.push(
    missing.length > 0
      ? check('associated-roles', false, `${y} has IAM role(s) ${missing.map((r) => `${r.roleArn} (${r.featureName})`).join(', ')} that the functions may not pass to the new y; add them to associatedRoleArns for this pair and redeploy`)
      : check('associated-roles', true, roles.length > 0 ? `${roles.length} associated IAM role(s) will be added back` : 'no associated IAM roles'),
  );
  const allowedProxies = new Set(pair.rdsProxyArns ?? []);
  const targets = proxyTargets ?? [];
  const unknown = targets.filter((t) => !allowedProxies.has(t.proxyArn));
  out.push(
    unknown.length > 0
      ? check('rds-proxy', false, `${y} is a target of RDS Proxy ${unknown.map((t) => `${t.proxyName} (${t.proxyArn})`).join(', ')}, which the functions may not register the new y with; add it to rdsProxyArns for this pair and redeploy`)
      : check('rds-proxy', true, targets.length > 0 ? `the new y will be registered again with ${targets.map((t) => t.proxyName).join(', ')}` : 'no RDS Proxy targets y'),
  );
  return out;
}

/** Runs every check; later checks still run when an earlier one fails, so one report lists everything to fix. */
export function preflight(input: PreflightInput): PreflightResult {
  const { pair, replica, snapshot, now } = input;
  const target = targetOf(pair);
  const y = pair.replica.identifier;
  const checks: CheckResult[] = [];
  const facts = replica ? target.facts(replica, pair) : undefined;

  checks.push(
    pair.replica.identifier === pair.source.identifier && pair.replica.region === pair.source.region
      ? check('replica-is-not-source', false, `${y} in ${pair.replica.region} is the source instance itself; refusing to delete production`)
      : check('replica-is-not-source', true, `${y} (${pair.replica.region}) is not ${pair.source.identifier} (${pair.source.region})`),
  );

  if (!replica) {
    checks.push(check('replica-exists', false, `${y} does not exist in ${pair.replica.region}; there is nothing to refresh (restore it by hand or check the pair's replica.instanceId)`));
  } else {
    checks.push(check('replica-exists', true, `${y} exists (${facts!.summary})`));
    const leftByFailedRun = target.replaceableFailedStates.has(replica.status) && input.restoredBy?.status === 'failed';
    checks.push(
      target.deletableStates.has(replica.status)
        ? check('replica-deletable', true, `${y} is ${replica.status}`)
        : leftByFailedRun
          ? check('replica-deletable', true, `${y} is ${replica.status}, as run ${input.restoredBy?.runId ?? '?'} left it when its restore failed; this refresh replaces it`)
          : check('replica-deletable', false, `${y} is ${replica.status}; a refresh of ${target.noun === 'cluster' ? 'an Aurora cluster' : 'a DB instance'} starts only from ${[...target.deletableStates].join(', ')}${target.replaceableFailedStates.has(replica.status) ? ' (or from a failed restore of the project\'s own, which this is not)' : ''}`),
    );
    const tagValue = replica.tags[pair.ownershipTag.key];
    checks.push(
      tagValue === pair.ownershipTag.value
        ? check('ownership-tag', true, `${y} carries ${pair.ownershipTag.key}=${pair.ownershipTag.value}`)
        : check(
            'ownership-tag',
            false,
            `${y} does not carry the tag ${pair.ownershipTag.key}=${pair.ownershipTag.value} (found ${tagValue === undefined ? 'no such tag' : JSON.stringify(tagValue)}); tag it to hand it to replica-refresh`,
          ),
    );
    // What this kind of target adds (an Aurora cluster: members config does not name, or without the ownership tag).
    for (const problem of facts!.problems) checks.push(check(problem.id, false, problem.detail));
    if (replica.settings.deletionProtection) {
      checks.push(
        pair.allowDisablingDeletionProtection
          ? check('deletion-protection', true, `deletion protection is on; config allows turning it off before the delete (the new y gets it back)`)
          : check('deletion-protection', false, `deletion protection is on for ${y}; turn it off, or set allowDisablingDeletionProtection: true for this pair`),
      );
    } else {
      checks.push(check('deletion-protection', true, 'deletion protection is off'));
    }
    const wantedRole = pair.overrides.monitoringRoleArn ?? pair.monitoringRoleArn;
    const roleArn = pair.overrides.monitoringInterval === 0 ? undefined : facts!.monitoringRoleArns.find((r) => r !== wantedRole);
    if (roleArn) {
      checks.push(
        check(
          'monitoring-role',
          false,
          `${y} uses enhanced monitoring with role ${roleArn}, which the functions may not pass to the new y; set monitoringRoleArn: "${roleArn}" for this pair and redeploy`,
        ),
      );
    }
  }

  checks.push(credentialsCheck(input));
  if (facts) checks.push(...carriedAcrossChecks(input, facts));

  if (!snapshot) {
    checks.push(check('snapshot-available', false, input.snapshotProblem ?? `no restorable snapshot of ${pair.source.identifier} in ${pair.replica.region}`));
  } else {
    const dataTime = dataTimeOf(snapshot);
    const age = dataTime ? hoursBetween(dataTime, now) : undefined;
    if (age === undefined) {
      checks.push(check('snapshot-available', false, `snapshot ${snapshot.id} has no creation time; cannot tell how old its data is`));
    } else if (snapshot.type === REPLICATED_BACKUP) {
      const lagMinutes = age * 60;
      checks.push(
        lagMinutes > pair.backupReplication.maxLagMinutes
          ? check(
              'snapshot-available',
              false,
              `the latest restorable time of ${pair.source.identifier}'s replicated backups is ${lagMinutes.toFixed(0)} min old, over backupReplication.maxLagMinutes (${pair.backupReplication.maxLagMinutes}); is the replication into ${pair.replica.region} stalled?`,
            )
          : check('snapshot-available', true, `x's backups replicate into ${pair.replica.region}; latest restorable time ${dataTime?.toISOString()} (${lagMinutes.toFixed(0)} min ago)`),
      );
    } else if (age > pair.maxSnapshotAgeHours && input.pinned?.allowOlder) {
      checks.push(check('snapshot-available', true, `the pinned snapshot ${snapshot.id} is ${age.toFixed(1)} h old, over maxSnapshotAgeHours (${pair.maxSnapshotAgeHours}); accepted because --allow-older was given`));
    } else if (age > pair.maxSnapshotAgeHours && input.pinned) {
      checks.push(check('snapshot-available', false, `the pinned snapshot ${snapshot.id} is ${age.toFixed(1)} h old, over maxSnapshotAgeHours (${pair.maxSnapshotAgeHours}); to restore it anyway, add --allow-older`));
    } else if (age > pair.maxSnapshotAgeHours) {
      checks.push(
        check(
          'snapshot-available',
          false,
          `the newest restorable snapshot ${snapshot.id} is ${age.toFixed(1)} h old, over maxSnapshotAgeHours (${pair.maxSnapshotAgeHours}); are x's snapshots still reaching ${pair.replica.region}?`,
        ),
      );
    } else {
      checks.push(check('snapshot-available', true, `${snapshot.id} is available, ${age.toFixed(1)} h old (data from ${dataTime?.toISOString()})`));
    }

    const lineage = replica ? lineageOf(replica.tags) : {};
    if (!pair.requireNewerSnapshot) {
      checks.push(check('snapshot-newer', true, 'requireNewerSnapshot is off'));
    } else if (!lineage.dataTime) {
      checks.push(check('snapshot-newer', true, `${y} has no lineage tags yet (first refresh)`));
    } else if (dataTime && dataTime.getTime() > lineage.dataTime.getTime()) {
      checks.push(check('snapshot-newer', true, `newer than ${lineage.snapshotId ?? 'the last snapshot'} (${lineage.dataTime.toISOString()}) that ${y} was restored from`));
    } else if (input.pinned?.allowOlder) {
      checks.push(check('snapshot-newer', true, `${snapshot.id} is not newer than ${lineage.snapshotId ?? 'the snapshot'} (${lineage.dataTime.toISOString()}) that ${y} holds; accepted because --allow-older was given`));
    } else if (input.pinned) {
      checks.push(check('snapshot-newer', false, `the pinned snapshot ${snapshot.id} is not newer than ${lineage.snapshotId ?? 'the snapshot'} (${lineage.dataTime.toISOString()}) that ${y} already holds; to restore older data on purpose, add --allow-older`));
    } else {
      checks.push(
        check(
          'snapshot-newer',
          false,
          `${snapshot.id} is not newer than ${lineage.snapshotId ?? 'the snapshot'} (${lineage.dataTime.toISOString()}) that ${y} already holds; a refresh would bring no new data`,
        ),
      );
    }
  }

  if (replica && facts && snapshot) checks.push(compatibility(replica, facts, snapshot));
  if (replica) {
    const tagCount = Object.keys(ownTags(replica.tags)).length + Object.keys(pair.overrides.tags ?? {}).length + Object.keys(LINEAGE_TAGS).length;
    checks.push(
      tagCount <= MAX_TAGS
        ? check('tag-limit', true, `${tagCount} tags with lineage, within RDS's ${MAX_TAGS}`)
        : check('tag-limit', false, `y's tags plus ${Object.keys(LINEAGE_TAGS).length} lineage tags come to ${tagCount}, over RDS's limit of ${MAX_TAGS}; the restore would fail after y is deleted. Remove some of y's tags`),
    );
    if (facts!.domainMemberships.length > 0) {
      checks.push(
        check(
          'domain-membership',
          false,
          `${y} is joined to ${facts!.domainMemberships.join(', ')}; replica-refresh does not carry Active Directory membership across yet, and a restore without it would break authentication. Refresh this y by hand`,
        ),
      );
    }
  }

  const ok = checks.every((c) => c.ok);
  const replacesFailedRestore = ok && replica !== undefined && !target.deletableStates.has(replica.status);
  return { ok, checks, mustDisableDeletionProtection: ok && replica?.settings.deletionProtection === true, replacesFailedRestore };
}
