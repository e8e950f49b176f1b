/**
 * What RDS accepts per engine, for restores (RestoreDBInstanceFromDBSnapshot, RestoreDBInstanceToPointInTime) and
 * for ModifyDBInstance: each rule throws the fault class RDS throws, with its message where a public capture
 * shows it (otherwise the message is marked unconfirmed), and cites where the rule is documented. RDS rejects the
 * whole request for one bad parameter, so a rule here fails the whole call.
 */
import type { DBInstance, DBSnapshot } from '@aws-sdk/client-rds';
import { CertificateNotFoundFault, RDSServiceException } from '@aws-sdk/client-rds';
import type { EngineFamily } from './engines';
import { engineFamilyOf, parameterGroupFamily } from './engines';

const meta = () => ({ $metadata: { httpStatusCode: 400 } });

/** An RDS client error by its code (InvalidParameterValue, InvalidParameterCombination, …). */
export function rdsError(name: string, message: string): RDSServiceException {
  return new RDSServiceException({ name, $fault: 'client', message, ...meta() });
}

/** A request parameter as text: strings as they are, numbers and booleans printed, anything else as JSON. */
export function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return v === undefined ? '' : (JSON.stringify(v) ?? '');
}

const combination = (message: string) => rdsError('InvalidParameterCombination', message);
const invalidValue = (message: string) => rdsError('InvalidParameterValue', message);

/**
 * CA certificates RDS issues today (User Guide, "Certificate authorities": rds-ca-rsa2048-g1, rds-ca-rsa4096-g1,
 * rds-ca-ecc384-g1). rds-ca-2019 expired in August 2024 (User Guide, "Rotating your SSL/TLS certificate"): assumed no
 * longer listed by DescribeCertificates, so naming it is CertificateNotFound like any unknown identifier.
 */
export const CURRENT_CAS: readonly string[] = ['rds-ca-rsa2048-g1', 'rds-ca-rsa4096-g1', 'rds-ca-ecc384-g1'];

/**
 * gp3: the storage size from which IOPS and throughput can be provisioned, and the baseline (also the minimum)
 * above it (User Guide, "Amazon RDS DB instance storage", "gp3 storage": Db2, MariaDB, MySQL and PostgreSQL 400 GiB,
 * Oracle 200 GiB, baseline 12,000 IOPS and 500 MiBps from there; SQL Server from 20 GiB with 3,000 IOPS and 125 MiBps).
 * Below the threshold RDS fixes 3,000 IOPS and 125 MiBps. The maxima (64,000 IOPS, 4,000 MiBps) are not enforced:
 * unconfirmed for today's table.
 */
export function gp3Limits(family: EngineFamily | undefined): { threshold: number; minIops: number; minThroughput: number } {
  if (family === 'sqlserver') return { threshold: 20, minIops: 3000, minThroughput: 125 };
  if (family === 'oracle') return { threshold: 200, minIops: 12000, minThroughput: 500 };
  return { threshold: 400, minIops: 12000, minThroughput: 500 };
}

/** What DescribeDBInstances reports for a gp3 volume of this size and engine when nothing is provisioned. */
export function gp3Baseline(family: EngineFamily | undefined, storage: number): { iops: number; throughput: number } {
  const l = gp3Limits(family);
  return storage >= l.threshold ? { iops: l.minIops, throughput: l.minThroughput } : { iops: 3000, throughput: 125 };
}

/** RestoreDBInstanceFromDBSnapshot API reference, LicenseModel "Valid Values", per engine. */
const LICENSE_MODELS: Record<EngineFamily, readonly string[]> = {
  db2: ['bring-your-own-license', 'marketplace-license'],
  mariadb: ['general-public-license'],
  sqlserver: ['license-included', 'bring-your-own-media'],
  mysql: ['general-public-license'],
  oracle: ['bring-your-own-license', 'license-included'],
  postgres: ['postgresql-license'],
};

/**
 * Log types each engine exports to CloudWatch Logs (User Guide, "Publishing database logs to Amazon CloudWatch Logs",
 * per engine; DescribeDBEngineVersions ExportableLogTypes).
 */
const LOG_TYPES: Record<EngineFamily, readonly string[]> = {
  postgres: ['postgresql', 'upgrade', 'iam-db-auth-error'],
  mysql: ['audit', 'error', 'general', 'slowquery', 'iam-db-auth-error'],
  mariadb: ['audit', 'error', 'general', 'slowquery', 'iam-db-auth-error'],
  oracle: ['alert', 'audit', 'listener', 'trace', 'oemagent'],
  sqlserver: ['agent', 'error'],
  db2: ['diag.log', 'notify.log'],
};

/**
 * IAM features an instance role can be associated for (AddRoleToDBInstance FeatureName; DBEngineVersion
 * SupportedFeatureNames). PostgreSQL: s3Import, s3Export, Lambda (User Guide, "Importing data from Amazon S3 into RDS
 * for PostgreSQL", "Invoking an AWS Lambda function"); Oracle, SQL Server and Db2: S3_INTEGRATION (their "Amazon S3
 * integration" pages); SQL Server also SSRS and the other listed ones are not simulated. RDS for MySQL and MariaDB
 * have no instance role features (unconfirmed: assumed from SupportedFeatureNames being empty for them).
 */
export const ROLE_FEATURES: Record<EngineFamily, readonly string[]> = {
  postgres: ['s3Import', 's3Export', 'Lambda'],
  oracle: ['S3_INTEGRATION'],
  sqlserver: ['S3_INTEGRATION'],
  db2: ['S3_INTEGRATION'],
  mysql: [],
  mariadb: [],
};

/** A DB parameter group of the account. */
export interface ParameterGroup {
  family: string;
  parameters: Record<string, string>;
}

/** What the restore rules need to know about the account. */
export interface RestoreContext {
  parameterGroups: ReadonlyMap<string, ParameterGroup>;
}

function num(v: unknown): number | undefined {
  return v === undefined ? undefined : Number(v);
}

/** Provisioned IOPS (io1, io2): size, IOPS range and IOPS:GiB ratio. */
function checkProvisionedIops(family: EngineFamily | undefined, engine: string, storageType: string, storage: number, iops: number | undefined, what: 'storage' | 'max storage' = 'storage'): void {
  if (iops === undefined) {
    // "The storage type io1 requires iops to be specified." (tf_aws_rds issue #22); RestoreDBInstanceFromDBSnapshot
    // StorageType: "If you specify io1, io2, or gp3, you must also include a value for the Iops parameter."
    throw combination(`The storage type ${storageType} requires iops to be specified.`);
  }
  // CreateDBInstance API reference, Iops: "For RDS for Db2, MariaDB, MySQL, Oracle, and PostgreSQL - Must be a multiple
  // between .5 and 50 of the storage amount … For RDS for SQL Server - … between 1 and 50". io2 Block Express allows
  // up to 1,000 IOPS per GiB (User Guide, "io2 Block Express storage"); its lower bound is taken to be io1's (unconfirmed).
  const min = family === 'sqlserver' ? 1 : 0.5;
  const max = storageType === 'io2' ? 1000 : 50;
  const ratio = iops / storage;
  if (ratio < min || ratio > max) {
    // The message RDS gives ("Invalid iops to max storage (GB) ratio for engine name postgres and storage type io1:
    // 0.3000", ministryofjustice/cloud-platform-environments PR #3972; the storage form by analogy).
    throw combination(`Invalid iops to ${what} (GB) ratio for engine name ${engine} and storage type ${storageType}: ${ratio.toFixed(4)}`);
  }
}

/** gp3: IOPS and throughput only from the engine's threshold, not below the baseline, throughput ≤ 0.25 × IOPS. */
function checkGp3(family: EngineFamily | undefined, engine: string, storage: number, iops: number | undefined, throughput: number | undefined): void {
  if (iops === undefined && throughput === undefined) return;
  const l = gp3Limits(family);
  if (storage < l.threshold) {
    // The message RDS gives (cloudtools/troposphere PR #2153: "You can't specify IOPS or storage throughput for engine
    // mysql and a storage size less than 400."); thresholds per engine from the gp3 table (see gp3Limits).
    throw combination(`You can't specify IOPS or storage throughput for engine ${engine} and a storage size less than ${l.threshold}.`);
  }
  const base = gp3Baseline(family, storage);
  const effIops = iops ?? base.iops;
  const effThroughput = throughput ?? base.throughput;
  // Below the baseline is not provisionable (gp3 table); message unconfirmed.
  if (effIops < l.minIops) throw combination(`Invalid IOPS ${effIops} for gp3 storage of ${storage} GiB with engine ${engine}: the minimum is ${l.minIops}.`);
  if (effThroughput < l.minThroughput) throw combination(`Invalid storage throughput ${effThroughput} MiBps for gp3 storage of ${storage} GiB with engine ${engine}: the minimum is ${l.minThroughput}.`);
  // DescribeValidDBInstanceModifications, ValidStorageOptions.StorageThroughputToIopsRatio: "For example, 0-0.25";
  // message unconfirmed.
  if (effThroughput / effIops > 0.25) throw combination(`The storage throughput to IOPS ratio can't be more than 0.25 (${effThroughput} MiBps for ${effIops} IOPS).`);
}

/** The storage checks a restore and a modify share. */
function checkStorage(family: EngineFamily | undefined, engine: string, storageType: string, storage: number, iops: number | undefined, throughput: number | undefined): void {
  // StorageThroughput: "This setting applies only to the gp3 storage type" (ModifyDBInstance, CreateDBInstance API reference).
  if (throughput !== undefined && storageType !== 'gp3') throw combination(`StorageThroughput is only supported for gp3, not ${storageType}`);
  if (iops !== undefined && !['io1', 'io2', 'gp3'].includes(storageType)) throw combination(`Iops is not supported for storage type ${storageType}`);
  // CreateDBInstance API reference, AllocatedStorage: Provisioned IOPS storage "Must be an integer from 100 to 65536"
  // (SQL Server 100 to 16384); message unconfirmed.
  if ((storageType === 'io1' || storageType === 'io2') && storage < 100) throw invalidValue(`Invalid storage size for engine name ${engine} and storage type ${storageType}: ${storage}`);
  // User Guide, "Amazon RDS DB instance storage": "RDS for Db2 doesn't support the gp2 and magnetic storage types"; message unconfirmed.
  if (family === 'db2' && (storageType === 'gp2' || storageType === 'standard')) throw invalidValue(`Invalid storage type for DB engine ${engine}: ${storageType}`);
  if (storageType === 'io1' || storageType === 'io2') checkProvisionedIops(family, engine, storageType, storage, iops);
  if (storageType === 'gp3') checkGp3(family, engine, storage, iops, throughput);
}

/** A port RDS accepts for the engine. */
function checkPort(family: EngineFamily | undefined, port: number | undefined): void {
  if (port === undefined) return;
  // RestoreDBInstanceFromDBSnapshot API reference, Port: "Value must be 1150-65535"; CreateDBInstance Port: "For RDS
  // for Microsoft SQL Server, the value can't be 1234, 1434, 3260, 3343, 3389, 47001, or 49152-49156." Messages unconfirmed.
  if (!Number.isInteger(port) || port < 1150 || port > 65535) throw invalidValue(`Invalid port ${port}: the port must be between 1150 and 65535.`);
  if (family === 'sqlserver' && ([1234, 1434, 3260, 3343, 3389, 47001].includes(port) || (port >= 49152 && port <= 49156))) throw invalidValue(`The port ${port} is reserved for RDS for SQL Server.`);
}

/**
 * The per-engine rules of a restore (RestoreDBInstanceFromDBSnapshot; RestoreDBInstanceToPointInTime takes the same
 * settings). `snap` is what the restore starts from: the snapshot, or the automated backups as a snapshot.
 */
export function checkRestore(input: Record<string, unknown>, snap: DBSnapshot, ctx: RestoreContext): void {
  const engine = (input.Engine as string | undefined) ?? snap.Engine ?? '';
  const version = snap.EngineVersion ?? '';
  const family = engineFamilyOf(engine);

  // RestoreDBInstanceFromDBSnapshot API reference, AllocatedStorage: "This setting isn't valid for RDS for SQL Server."
  // Error class and message unconfirmed.
  if (family === 'sqlserver' && input.AllocatedStorage !== undefined) {
    throw combination(`The AllocatedStorage parameter isn't valid for RDS for SQL Server (engine ${engine}): a SQL Server DB instance is restored with the snapshot's storage size.`);
  }
  const storage = num(input.AllocatedStorage) ?? snap.AllocatedStorage ?? 0;
  // Storage cannot shrink below what the snapshot holds (User Guide, "Restoring to a DB instance": the restored
  // instance's storage is at least the snapshot's); message unconfirmed.
  if (input.AllocatedStorage !== undefined && snap.AllocatedStorage !== undefined && storage < snap.AllocatedStorage) {
    throw invalidValue(`Invalid storage size ${storage}: the DB snapshot needs at least ${snap.AllocatedStorage} GiB.`);
  }

  // EngineLifecycleSupport: "This setting applies only to RDS for MySQL and RDS for PostgreSQL." Valid Values:
  // open-source-rds-extended-support | open-source-rds-extended-support-disabled (API reference). Messages unconfirmed.
  if (input.EngineLifecycleSupport !== undefined) {
    if (family !== 'mysql' && family !== 'postgres') throw combination(`EngineLifecycleSupport isn't supported for the ${engine} DB engine: it applies only to RDS for MySQL and RDS for PostgreSQL.`);
    if (!['open-source-rds-extended-support', 'open-source-rds-extended-support-disabled'].includes(text(input.EngineLifecycleSupport))) throw invalidValue(`Invalid EngineLifecycleSupport ${text(input.EngineLifecycleSupport)}.`);
  }

  const storageType = (input.StorageType as string | undefined) ?? (input.Iops !== undefined ? 'io1' : 'gp3');
  // User Guide, "Using a dedicated log volume (DLV)": DLVs are supported for Provisioned IOPS storage (io1, io2) and for
  // MariaDB, MySQL and PostgreSQL only. RDS-NOTES: send DedicatedLogVolume only when y has one; assumed that naming it
  // at all for an engine without DLVs is rejected. Messages unconfirmed.
  if (input.DedicatedLogVolume !== undefined) {
    if (family !== 'mariadb' && family !== 'mysql' && family !== 'postgres') throw combination(`DedicatedLogVolume isn't supported for the ${engine} DB engine.`);
    if (input.DedicatedLogVolume === true && storageType !== 'io1' && storageType !== 'io2') throw combination(`A dedicated log volume needs Provisioned IOPS storage (io1 or io2), not ${storageType}.`);
  }

  // CACertificateIdentifier: CertificateNotFound for an identifier RDS does not issue (see CURRENT_CAS).
  const ca = input.CACertificateIdentifier as string | undefined;
  if (ca !== undefined && !CURRENT_CAS.includes(ca)) throw new CertificateNotFoundFault({ message: `Certificate not found: ${ca}`, ...meta() });

  // Iops on a restore: "If this parameter isn't specified, the IOPS value is taken from the backup" (API reference).
  const iops = num(input.Iops) ?? ((storageType === 'io1' || storageType === 'io2') && (snap.StorageType === 'io1' || snap.StorageType === 'io2') ? snap.Iops : undefined);
  checkStorage(family, engine, storageType, storage, iops, num(input.StorageThroughput));
  checkPort(family, num(input.Port));

  // LicenseModel "Valid Values" per engine (API reference); message unconfirmed.
  const license = input.LicenseModel as string | undefined;
  if (license !== undefined && family && !LICENSE_MODELS[family].includes(license)) throw invalidValue(`Invalid license model ${license} for engine ${engine}; valid: ${LICENSE_MODELS[family].join(', ')}.`);

  // The parameter group must be of the engine version's family. The message RDS gives (mattermost/mattermost-load-test-ng
  // PR #707: "The parameter group X with DBParameterGroupFamily F can't be used for this instance. Use a parameter group
  // with DBParameterGroupFamily G.").
  const wanted = parameterGroupFamily(engine, version);
  const pgName = input.DBParameterGroupName as string | undefined;
  const pg = pgName ? (ctx.parameterGroups.get(pgName) ?? (pgName.startsWith('default.') ? { family: pgName.slice('default.'.length), parameters: {} } : undefined)) : undefined;
  if (pgName && pg && pg.family !== wanted) throw combination(`The parameter group ${pgName} with DBParameterGroupFamily ${pg.family} can't be used for this instance. Use a parameter group with DBParameterGroupFamily ${wanted}.`);

  // Db2 bring-your-own-license (the default license model for Db2: CreateDBInstance LicenseModel) "requires a custom
  // parameter group and an AWS License Manager self-managed license" (RestoreDBInstanceFromDBSnapshot LicenseModel),
  // a group that "must include your IBM Site ID and IBM Customer ID" (CreateDBInstanceReadReplica DBParameterGroupName;
  // User Guide, "IBM IDs for bring your own license (BYOL) for Db2"). Message unconfirmed.
  if (family === 'db2' && (license ?? 'bring-your-own-license') === 'bring-your-own-license') {
    const params = pgName && !pgName.startsWith('default.') ? pg?.parameters : undefined;
    if (!params?.['rds.ibm_customer_id'] || !params['rds.ibm_site_id']) {
      throw combination(`To restore RDS for Db2 with the bring-your-own-license model, specify a custom DB parameter group that sets rds.ibm_customer_id and rds.ibm_site_id${pgName ? ` (${pgName} does not)` : ''}.`);
    }
  }

  // EnableCloudwatchLogsExports: "The values in the list depend on the DB engine" (API reference); message unconfirmed.
  const logs = (input.EnableCloudwatchLogsExports as string[] | undefined) ?? [];
  const badLog = family ? logs.find((l) => !LOG_TYPES[family].includes(l)) : undefined;
  if (badLog) throw combination(`You cannot use the log type '${badLog}' with engine ${engine} ${version}; it exports ${family ? LOG_TYPES[family].join(', ') : 'none'}.`);

  // ManageMasterUserPassword on a restore, "Constraints: Applies to RDS for Oracle only" (RestoreDBInstanceFromDBSnapshot
  // API reference; RDS-NOTES). Message unconfirmed.
  if (input.ManageMasterUserPassword !== undefined && family !== 'oracle') throw combination(`ManageMasterUserPassword isn't supported when restoring a ${engine} DB instance from a snapshot; it applies to RDS for Oracle only. Turn it on with ModifyDBInstance after the restore.`);
  if (input.MasterUserSecretKmsKeyId !== undefined && input.ManageMasterUserPassword !== true) throw combination('MasterUserSecretKmsKeyId is valid only when ManageMasterUserPassword is turned on.');
}

/** ModifyDBInstance MasterUserPassword constraints (API reference): length per engine, printable ASCII except / " @. */
function checkPassword(family: EngineFamily | undefined, password: string): void {
  const lengths: Record<EngineFamily, [number, number]> = { db2: [8, 255], mariadb: [8, 41], sqlserver: [8, 128], mysql: [8, 41], oracle: [8, 30], postgres: [8, 128] };
  const [min, max] = family ? lengths[family] : [8, 128];
  // Messages unconfirmed; the value itself is never echoed.
  if (password.length < min || password.length > max) throw invalidValue(`The parameter MasterUserPassword is not a valid password because it is shorter than ${min} or longer than ${max} characters.`);
  if (!/^[\x20-\x7e]*$/.test(password) || /[/"@]/.test(password) || (family === 'oracle' && /[&']/.test(password))) {
    throw invalidValue(`The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '"'${family === 'oracle' ? ", '&', \"'\"" : ''} are allowed.`);
  }
}

/** "ddd:hh24:mi-ddd:hh24:mi" → minutes of the week of its start and end, or undefined when malformed. */
function weeklyWindow(w: string): { start: number; end: number } | undefined {
  const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  const m = /^(\w{3}):(\d{2}):(\d{2})-(\w{3}):(\d{2}):(\d{2})$/.exec(w.toLowerCase());
  if (!m) return undefined;
  const at = (d: string, h: string, mi: string) => {
    const day = days.indexOf(d);
    return day < 0 || Number(h) > 23 || Number(mi) > 59 ? NaN : day * 1440 + Number(h) * 60 + Number(mi);
  };
  const start = at(m[1]!, m[2]!, m[3]!);
  const end = at(m[4]!, m[5]!, m[6]!);
  return Number.isNaN(start) || Number.isNaN(end) ? undefined : { start, end: end <= start ? end + 7 * 1440 : end };
}

/** The checks of one ModifyDBInstance; `db` is the instance as it is. */
export function checkModify(input: Record<string, unknown>, db: DBInstance): void {
  const engine = db.Engine ?? '';
  const family = engineFamilyOf(engine);

  // MasterUserPassword "Can't be specified if ManageMasterUserPassword is turned on" and ManageMasterUserPassword "Can't
  // manage the master user password with AWS Secrets Manager if MasterUserPassword is specified" (API reference).
  // Messages unconfirmed.
  if (input.MasterUserPassword !== undefined && input.ManageMasterUserPassword === true) throw combination('You can\'t specify MasterUserPassword and ManageMasterUserPassword together: RDS generates the password of a managed master user.');
  if (input.MasterUserPassword !== undefined && db.MasterUserSecret && input.ManageMasterUserPassword !== false) throw combination(`You can't specify MasterUserPassword for ${db.DBInstanceIdentifier}: its master user password is managed in Secrets Manager (turn ManageMasterUserPassword off with the new password).`);
  // "If the DB instance already manages the master user password … and you specify that the master user password is not
  // managed …, then you must specify MasterUserPassword" (ManageMasterUserPassword).
  if (input.ManageMasterUserPassword === false && db.MasterUserSecret && input.MasterUserPassword === undefined) throw combination('To stop managing the master user password in Secrets Manager, specify MasterUserPassword.');
  if (input.MasterUserPassword !== undefined) checkPassword(family, text(input.MasterUserPassword));
  // MasterUserSecretKmsKeyId is valid only when turning on ManageMasterUserPassword, and "If the DB instance already
  // manages the master user password …, you can't change the KMS key" (API reference). Message unconfirmed.
  if (input.MasterUserSecretKmsKeyId !== undefined && (input.ManageMasterUserPassword !== true || db.MasterUserSecret)) throw combination('MasterUserSecretKmsKeyId is valid only when turning on ManageMasterUserPassword.');

  const ca = input.CACertificateIdentifier as string | undefined;
  if (ca !== undefined && !CURRENT_CAS.includes(ca)) throw new CertificateNotFoundFault({ message: `Certificate not found: ${ca}`, ...meta() });

  // MonitoringInterval "Valid Values: 0 | 1 | 5 | 10 | 15 | 30 | 60"; a non-zero interval needs a role (API reference,
  // MonitoringRoleArn); the second message is the one RDS gives.
  if (input.MonitoringInterval !== undefined && ![0, 1, 5, 10, 15, 30, 60].includes(Number(input.MonitoringInterval))) throw invalidValue(`Invalid MonitoringInterval ${text(input.MonitoringInterval)}; valid: 0, 1, 5, 10, 15, 30, 60.`);
  if (input.MonitoringInterval !== undefined && Number(input.MonitoringInterval) > 0 && !input.MonitoringRoleArn && !db.MonitoringRoleArn) {
    throw combination('A MonitoringRoleARN value is required if you specify a MonitoringInterval value other than 0.');
  }

  // PerformanceInsightsRetentionPeriod "Valid Values: 7, month * 31 (month 1-23), 731 … If you specify a retention period
  // that isn't valid, such as 94, Amazon RDS returns an error." Message unconfirmed.
  const retention = num(input.PerformanceInsightsRetentionPeriod);
  if (retention !== undefined && !(retention === 7 || retention === 731 || (retention % 31 === 0 && retention / 31 >= 1 && retention / 31 <= 23))) {
    throw invalidValue(`Invalid PerformanceInsightsRetentionPeriod ${retention}: valid values are 7, 731 and a multiple of 31 up to 713.`);
  }
  const mode = input.DatabaseInsightsMode as string | undefined;
  if (mode !== undefined && mode !== 'standard' && mode !== 'advanced') throw invalidValue(`Invalid DatabaseInsightsMode ${mode}; valid: standard, advanced.`);
  // "To enable the Advanced mode of Database Insights, you must enable Performance Insights and set the Performance
  // Insights retention period to at least 465 days (15 months)" (User Guide, "Considerations for Database Insights for
  // Amazon RDS"). The message is the one RDS gives (hashicorp/terraform-provider-aws issue #41952). Assumed, per the
  // fix in terraform-provider-aws PR #41960, that both must be in the same request: whether RDS also counts the
  // instance's current values is unconfirmed.
  if (mode === 'advanced' && (input.EnablePerformanceInsights !== true || (retention ?? 0) < 465)) {
    throw combination('To enable the Advanced mode of Database Insights, modify your instance to enable Performance Insights and set the retention period for Performance Insights to at least 465 days.');
  }

  const allocated = num(input.AllocatedStorage) ?? db.AllocatedStorage ?? 0;
  const maxStorage = num(input.MaxAllocatedStorage);
  // User Guide, "Managing capacity automatically with Amazon RDS storage autoscaling": "You must set the maximum storage
  // threshold to at least 10% more than the current allocated storage". The message RDS gives
  // (ministryofjustice/cloud-platform-environments PR #24422). A threshold equal to the allocated storage turns
  // autoscaling off (assumed, unconfirmed: not documented for the API), and is accepted.
  // Integer arithmetic: 200 × 1.1 is 220.00000000000003 in floating point, and 220 is 10% above 200.
  if (maxStorage !== undefined && maxStorage !== allocated && maxStorage * 10 < allocated * 11) {
    throw combination('The maximum allocated storage must be increased by at least 10 percent.');
  }
  const storageType = (input.StorageType as string | undefined) ?? db.StorageType ?? 'gp2';
  // For io1/io2 the IOPS:GiB ratio also holds for the maximum storage threshold (User Guide, storage autoscaling:
  // "For DB instances that use Provisioned IOPS … the ratio of IOPS to maximum storage threshold (in GiB) must be within
  // a specific range"; the message RDS gives, ministryofjustice/cloud-platform-environments PR #3972).
  if (maxStorage !== undefined && maxStorage > allocated && (storageType === 'io1' || storageType === 'io2')) {
    checkProvisionedIops(family, engine, storageType, maxStorage, num(input.Iops) ?? db.Iops, 'max storage');
  }
  if (input.Iops !== undefined || input.StorageThroughput !== undefined || input.AllocatedStorage !== undefined || input.StorageType !== undefined) {
    checkStorage(family, engine, storageType, allocated, num(input.Iops) ?? (storageType === 'gp3' ? undefined : db.Iops), num(input.StorageThroughput));
  }

  const window = input.PreferredMaintenanceWindow as string | undefined;
  if (window !== undefined) {
    // PreferredMaintenanceWindow constraints (API reference): format ddd:hh24:mi-ddd:hh24:mi, at least 30 minutes, must
    // not conflict with the backup window. Messages unconfirmed.
    const w = weeklyWindow(window);
    if (!w) throw invalidValue(`Invalid maintenance window ${window}: it must look like ddd:hh24:mi-ddd:hh24:mi.`);
    if (w.end - w.start < 30) throw invalidValue(`The maintenance window ${window} must be at least 30 minutes.`);
    const backup = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(text(input.PreferredBackupWindow ?? db.PreferredBackupWindow));
    if (backup) {
      const bs = Number(backup[1]) * 60 + Number(backup[2]);
      let be = Number(backup[3]) * 60 + Number(backup[4]);
      if (be <= bs) be += 1440;
      for (let day = -1; day <= 7; day++) {
        const s = day * 1440 + bs;
        const e = day * 1440 + be;
        if (s < w.end && w.start < e) throw invalidValue('The backup window and maintenance window must not overlap.');
      }
    }
  }
}
