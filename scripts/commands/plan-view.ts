/**
 * A plan as `plan`, `drill --dry-run` and `restore --dry-run` show it: the snapshot, what would be deleted (or
 * "nothing"), every check (PASS, FAIL, or SKIP when it could not run), and the settings the new y would get.
 */
import type { PairConfig } from '../../lambdas/kernel/config';
import type { ChosenSnapshot, TargetSettings } from '../../lambdas/kernel/model';
import { CORE_CHECKS } from '../../lambdas/refresh/preflight';
import type { StartResult } from '../../lambdas/refresh/start';
import { formatDuration } from '../../lambdas/reporting/measures';
import { REPLICATED_BACKUP } from '../../lambdas/sources/snapshots';
import type { Cell, ViewSection } from '../cli/output';
import { formatLocal } from '../cli/time';

/** A check's verdict: SKIP when the preflight could not run it (what it needs is missing). */
export type CheckResultWord = 'PASS' | 'FAIL' | 'SKIP';

/** One plan (JSON). */
export interface PlanJson {
  replica: string;
  /** What the start would do: refresh y (delete, then restore), or restore a missing y. */
  action: 'refresh' | 'restore';
  wouldStart: boolean;
  snapshot: (ChosenSnapshot & { ageSeconds: number | null }) | null;
  newerNotReady: ChosenSnapshot | null;
  /** The identifier that would be deleted; null when nothing would be. */
  wouldDelete: string | null;
  wouldDisableDeletionProtection: boolean;
  finalSnapshot: boolean;
  /** y does not exist: a start heals or restores it. */
  replicaMissing: boolean;
  checks: { id: string; result: CheckResultWord; detail: string }[];
  settings: TargetSettings | null;
}

type Planned = Extract<StartResult, { outcome: 'planned' }>;

/** Builds a plan's JSON from start-refresh's dry-run answer. */
export function planOf(pair: PairConfig, answer: Planned, action: 'refresh' | 'restore', now: Date): PlanJson {
  const ran = new Set(answer.checks.map((c) => c.id));
  const yMissing = answer.replicaMissing === true;
  const skipped = action === 'refresh' ? CORE_CHECKS.filter((id) => !ran.has(id)) : [];
  const checks = [
    ...answer.checks.map((c): PlanJson['checks'][number] => ({ id: c.id, result: c.ok ? 'PASS' : 'FAIL', detail: c.detail })),
    ...skipped.map((id) => ({ id, result: 'SKIP' as const, detail: yMissing ? `not checked: it needs ${pair.replica.identifier}, which does not exist` : !answer.snapshot ? 'not checked: it needs a snapshot, and none is usable' : 'not checked: does not apply here' })),
  ];
  const dataTime = answer.snapshot?.dataTime;
  return {
    replica: pair.id,
    action,
    wouldStart: answer.ok,
    snapshot: answer.snapshot ? { ...answer.snapshot, ageSeconds: dataTime ? (now.getTime() - Date.parse(dataTime)) / 1000 : null } : null,
    newerNotReady: answer.newerNotReady ?? null,
    // A missing y is healed, not deleted; a refused plan deletes nothing; a swap mode restores beside y.
    wouldDelete: answer.ok && !yMissing && action === 'refresh' && pair.refresh.mode === 'delete-first' ? pair.replica.identifier : null,
    wouldDisableDeletionProtection: answer.ok && answer.wouldDisableDeletionProtection,
    finalSnapshot: answer.ok && !yMissing && action === 'refresh' && pair.finalSnapshot,
    replicaMissing: yMissing,
    checks,
    settings: answer.desired ?? null,
  };
}

function settingRows(settings: TargetSettings): Cell[][] {
  const { tags, kind: _kind, ...rest } = settings;
  const rows: Cell[][] = Object.entries(rest)
    .filter(([k]) => k !== 'members')
    .map(([k, v]) => [`  ${k}`, JSON.stringify(v)]);
  rows.push(['  tags', Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(', ')]);
  // An Aurora y: each member on its own lines, the writer first.
  for (const { id, writer, tags: memberTags, ...m } of settings.kind === 'cluster' ? settings.members : []) {
    rows.push([`  member ${id}`, writer ? 'writer' : 'reader']);
    for (const [k, v] of Object.entries(m)) rows.push([`    ${k}`, JSON.stringify(v)]);
    rows.push(['    tags', Object.entries(memberTags).map(([k, v]) => `${k}=${v}`).join(', ')]);
  }
  return rows;
}

/** A plan as a section of a view. */
export function planSection(plan: PlanJson, pair: PairConfig, zone: string, simulated: boolean): ViewSection {
  const s = plan.snapshot;
  const when = s?.dataTime ? formatLocal(s.dataTime, zone, 'yyyy-MM-dd HH:mm') : '?';
  const age = s?.ageSeconds !== null && s?.ageSeconds !== undefined ? formatDuration(s.ageSeconds) : 'unknown';
  const snapshotLine = !s ? 'none usable' : s.type === REPLICATED_BACKUP ? `point in time ${when} (latest restorable time of ${pair.source.identifier}'s replicated backups, ${age} ago)` : `${s.id} (${s.type}), data from ${when}, ${age} old`;
  const deleteLine = plan.wouldDelete
    ? `${plan.wouldDelete}${plan.wouldDisableDeletionProtection ? ' (after turning its deletion protection off)' : ''}, automated backups included${plan.finalSnapshot ? `, after a final snapshot ${plan.wouldDelete}-final-<run id>` : ', without a final snapshot'}`
    : plan.replicaMissing
      ? `nothing (${pair.replica.identifier} is missing${plan.wouldStart ? ': the start would restore it' : ''})`
      : plan.wouldStart
        ? `nothing: ${pair.refresh.mode} restores beside ${pair.replica.identifier} and switches`
        : 'nothing (the refresh would be refused)';
  return {
    heading: `Plan for ${pair.id}: ${plan.action} ${pair.replica.identifier} (${pair.replica.region}) from ${pair.source.identifier} (${pair.source.region})${simulated ? ', simulation' : ''}`,
    columns: ['', ''],
    rows: [
      ['snapshot', snapshotLine],
      ...(plan.newerNotReady ? [['', `(newer, not ready yet: ${plan.newerNotReady.id})`] as Cell[]] : []),
      ['would delete', deleteLine],
      ...plan.checks.map((c) => [`${c.result}  ${c.id}`, c.detail] as Cell[]),
      ...(plan.settings ? [['settings of the new y', ''] as Cell[], ...settingRows(plan.settings)] : []),
    ],
    notes: [plan.wouldStart ? `A ${plan.action} would start.` : `A ${plan.action} would be REFUSED; ${pair.replica.identifier} would be left as it is.`],
  };
}
