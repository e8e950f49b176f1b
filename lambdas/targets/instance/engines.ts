/**
 * What each RDS engine accepts in a restore: RDS rejects the whole request for one parameter an engine does not
 * take, after y is already deleted. Pure: it shapes the settings a restore sends and says what it changed and why.
 */
import type { InstanceSettings } from '../../kernel/model';
import { INSTANCE_CATALOG } from './catalog';

/** The engine families RDS for instances runs, by the `Engine` value's prefix. */
export type EngineFamily = 'postgres' | 'mysql' | 'mariadb' | 'oracle' | 'sqlserver' | 'db2' | 'other';

/** `sqlserver-se` → sqlserver, `oracle-ee-cdb` → oracle, `custom-oracle-ee` → other. */
export function engineFamily(engine: string | undefined): EngineFamily {
  const e = (engine ?? '').toLowerCase();
  for (const family of ['postgres', 'mysql', 'mariadb', 'oracle', 'sqlserver', 'db2'] as const) if (e === family || e.startsWith(`${family}-`)) return family;
  return 'other';
}

/**
 * CA certificates RDS issues today (User Guide, "Certificate authorities"). rds-ca-2019 expired in August 2024 and
 * a restore naming it is rejected; an unknown one is left to RDS's default rather than risk the restore.
 */
export const CURRENT_CA_IDENTIFIERS: ReadonlySet<string> = new Set(['rds-ca-rsa2048-g1', 'rds-ca-rsa4096-g1', 'rds-ca-ecc384-g1']);

/**
 * The storage size from which gp3 IOPS and throughput can be provisioned; below it RDS fixes them at the baseline
 * and rejects a restore that names them (User Guide, "gp3 storage": 400 GiB; Oracle 200 GiB; SQL Server 20 GiB).
 */
export function gp3ProvisioningThreshold(engine: string | undefined): number {
  const family = engineFamily(engine);
  if (family === 'oracle') return 200;
  if (family === 'sqlserver') return 20;
  return 400;
}

/**
 * The IOPS-to-GiB multiple Provisioned IOPS storage allows (CreateDBInstance API reference, `Iops`: "For RDS for
 * Db2, MariaDB, MySQL, Oracle, and PostgreSQL - Must be a multiple between .5 and 50 of the storage amount … For RDS
 * for SQL Server - … between 1 and 50"). io2 Block Express allows up to 1,000 per GiB (User Guide, "io2 Block
 * Express storage"); its lower bound is taken to be io1's (unconfirmed).
 */
export function iopsRatioRange(engine: string | undefined, storageType: string): { min: number; max: number } {
  const min = engineFamily(engine) === 'sqlserver' ? 1 : 0.5;
  return { min, max: storageType === 'io2' ? 1000 : 50 };
}

/** gp3 throughput per provisioned IOPS (ValidStorageOptions.StorageThroughputToIopsRatio: 0-0.25). */
export const GP3_MAX_THROUGHPUT_PER_IOPS = 0.25;

/** Settings shaped for one engine's restore, with a note for each change. */
export interface ShapedRestore {
  settings: InstanceSettings;
  notes: string[];
}

/**
 * The settings a restore of this engine may send: y's desired settings minus what the engine rejects, with
 * Provisioned IOPS brought back into range where the snapshot's larger storage moved the ratio. Nothing is dropped
 * silently: each change has a note, which the run records.
 */
export function shapeRestore(engine: string | undefined, desired: InstanceSettings): ShapedRestore {
  const s: InstanceSettings = { ...desired };
  const notes: string[] = [];
  const family = engineFamily(engine);
  // The size the new y will have (for SQL Server the snapshot's, which the caller has already grown y to).
  const storage = s.allocatedStorage;
  // What the catalog says an engine's restore does not accept (AllocatedStorage for SQL Server, EngineLifecycleSupport
  // outside MySQL and PostgreSQL), each with its source there.
  for (const setting of INSTANCE_CATALOG) {
    if (!setting.restoreEngines || setting.restoreEngines.includes(family) || s[setting.name] === undefined) continue;
    delete s[setting.name];
    notes.push(setting.restoreDroppedNote?.(family) ?? `${setting.name} not sent: ${setting.restoreEnginesWhy ?? `RDS for ${family} does not accept it in a restore`}`);
  }
  // DedicatedLogVolume: sent only to keep one; an instance without it needs no parameter (RDS-NOTES).
  if (s.dedicatedLogVolume !== true) delete s.dedicatedLogVolume;
  if (s.caCertificateIdentifier !== undefined && !CURRENT_CA_IDENTIFIERS.has(s.caCertificateIdentifier)) {
    notes.push(`CA certificate ${s.caCertificateIdentifier} is not one RDS issues today; the new y gets RDS's default CA`);
    delete s.caCertificateIdentifier;
  }
  if ((s.storageType === 'io1' || s.storageType === 'io2') && s.iops !== undefined && storage !== undefined) {
    const { min, max } = iopsRatioRange(engine, s.storageType);
    const lo = Math.ceil(storage * min);
    const hi = Math.floor(storage * max);
    if (s.iops < lo || s.iops > hi) {
      const fixed = Math.min(hi, Math.max(lo, s.iops));
      notes.push(`${s.storageType} IOPS ${s.iops} is outside ${min}–${max} per GiB of ${storage} GiB; restoring with ${fixed}`);
      s.iops = fixed;
    }
  }
  if (s.storageType === 'gp3' && s.storageThroughput !== undefined && s.iops !== undefined && s.storageThroughput > s.iops * GP3_MAX_THROUGHPUT_PER_IOPS) {
    const fixed = Math.floor(s.iops * GP3_MAX_THROUGHPUT_PER_IOPS);
    notes.push(`gp3 throughput ${s.storageThroughput} MiB/s is over ${GP3_MAX_THROUGHPUT_PER_IOPS} per IOPS of ${s.iops}; restoring with ${fixed}`);
    s.storageThroughput = fixed;
  }
  return { settings: s, notes };
}
