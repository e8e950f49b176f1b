/**
 * The RDS engines the simulation runs (`--engine`), each with what an instance of it looks like in a
 * real account: engine and version strings, parameter group family and names, option groups, port,
 * license model, log types, storage, master user. What RDS accepts per engine is in rds-rules.ts.
 */

/** The engines `--engine` accepts. */
export const SIM_ENGINES = ['postgres', 'mysql', 'mariadb', 'oracle-ee', 'sqlserver-se', 'db2-se'] as const;

/** One of {@link SIM_ENGINES}. */
export type SimEngine = (typeof SIM_ENGINES)[number];

/** The engine families of RDS for instances, by the `Engine` value. */
export type EngineFamily = 'postgres' | 'mysql' | 'mariadb' | 'oracle' | 'sqlserver' | 'db2';

/** `sqlserver-se` → sqlserver, `oracle-ee-cdb` → oracle; undefined for an engine RDS for instances does not run. */
export function engineFamilyOf(engine: string | undefined): EngineFamily | undefined {
  const e = (engine ?? '').toLowerCase();
  for (const family of ['postgres', 'mysql', 'mariadb', 'oracle', 'sqlserver', 'db2'] as const) if (e === family || e.startsWith(`${family}-`)) return family;
  return undefined;
}

/**
 * The DB parameter group family of an engine version, as DescribeDBEngineVersions reports DBParameterGroupFamily:
 * postgres16, mysql8.0, mariadb10.11, oracle-ee-19, sqlserver-se-15.0, db2-se-11.5.
 */
export function parameterGroupFamily(engine: string, version: string): string {
  const family = engineFamilyOf(engine);
  const [major = '', minor = ''] = version.split('.');
  switch (family) {
    case 'postgres':
      return `postgres${major}`;
    case 'mysql':
    case 'mariadb':
      return `${family}${major}.${minor}`;
    case 'oracle':
      return `${engine}-${major}`;
    case 'sqlserver':
      return `${engine}-${Number(major)}.0`;
    case 'db2':
      return `${engine}-${major}.${minor}`;
    default:
      return `${engine}${major}`;
  }
}

/** The default option group of an engine version: default:postgres-16, default:mysql-8-0, default:sqlserver-se-15-00. */
export function defaultOptionGroup(engine: string, version: string): string {
  const family = engineFamilyOf(engine);
  const [major = '', minor = ''] = version.split('.');
  if (family === 'postgres' || family === 'oracle') return `default:${engine}-${major}`;
  if (family === 'sqlserver') return `default:${engine}-${major}-${minor.padStart(2, '0').slice(0, 2)}`;
  return `default:${engine}-${major}-${minor}`;
}

/** What an instance of one engine looks like in the simulated account: x in production, y in staging. */
export interface EngineProfile {
  engine: SimEngine;
  family: EngineFamily;
  /** x's engine version; its snapshots carry it. */
  sourceVersion: string;
  /** The version y ran before its last refresh (a minor version behind, as staging often is). */
  replicaVersion: string;
  sourceClass: string;
  replicaClass: string;
  /** The engine's default port (CreateDBInstance API reference, Port). */
  defaultPort: number;
  /** y's port: not the default, so a restore that forgets it is seen. */
  replicaPort: number;
  /** y's custom DB parameter group, with the parameters it sets. */
  parameterGroup: { name: string; parameters: Record<string, string> };
  /** y's option group: a custom one where staging typically has one, else the default. */
  optionGroup: string;
  /** RestoreDBInstanceFromDBSnapshot API reference, LicenseModel "Valid Values". */
  licenseModel: string;
  /** Log types y exports to CloudWatch Logs (each is one the engine has). */
  logExports: string[];
  masterUsername: string;
  /** The IAM feature name y's associated role has (AddRoleToDBInstance), when the engine has one. */
  roleFeature?: string;
  /** RDS Proxy's EngineFamily for the engine; undefined: RDS Proxy does not support it. */
  proxyEngineFamily?: 'POSTGRESQL' | 'MYSQL' | 'SQLSERVER';
}

const profiles: Record<SimEngine, Omit<EngineProfile, 'engine' | 'family'>> = {
  postgres: {
    sourceVersion: '16.6',
    replicaVersion: '16.4',
    sourceClass: 'db.r6g.xlarge',
    replicaClass: 'db.r6g.large',
    defaultPort: 5432,
    replicaPort: 6543,
    parameterGroup: { name: 'staging-pg16', parameters: { log_min_duration_statement: '500' } },
    optionGroup: 'default:postgres-16',
    licenseModel: 'postgresql-license',
    logExports: ['postgresql'],
    masterUsername: 'postgres',
    roleFeature: 's3Import',
    proxyEngineFamily: 'POSTGRESQL',
  },
  mysql: {
    sourceVersion: '8.0.40',
    replicaVersion: '8.0.39',
    sourceClass: 'db.r6g.xlarge',
    replicaClass: 'db.r6g.large',
    defaultPort: 3306,
    replicaPort: 3307,
    parameterGroup: { name: 'staging-mysql80', parameters: { slow_query_log: '1', long_query_time: '1' } },
    optionGroup: 'default:mysql-8-0',
    licenseModel: 'general-public-license',
    logExports: ['error', 'slowquery'],
    masterUsername: 'admin',
    proxyEngineFamily: 'MYSQL',
  },
  mariadb: {
    sourceVersion: '10.11.10',
    replicaVersion: '10.11.9',
    sourceClass: 'db.r6g.xlarge',
    replicaClass: 'db.r6g.large',
    defaultPort: 3306,
    replicaPort: 3307,
    parameterGroup: { name: 'staging-mariadb1011', parameters: { slow_query_log: '1' } },
    optionGroup: 'default:mariadb-10-11',
    licenseModel: 'general-public-license',
    logExports: ['error', 'slowquery'],
    masterUsername: 'admin',
    proxyEngineFamily: 'MYSQL',
  },
  'oracle-ee': {
    sourceVersion: '19.0.0.0.ru-2024-10.rur-2024-10.r1',
    replicaVersion: '19.0.0.0.ru-2024-07.rur-2024-07.r1',
    // RDS for Oracle runs on Intel/AMD classes, not Graviton.
    sourceClass: 'db.r6i.xlarge',
    replicaClass: 'db.r6i.large',
    defaultPort: 1521,
    replicaPort: 1522,
    parameterGroup: { name: 'staging-oracle-ee-19', parameters: { open_cursors: '1000' } },
    optionGroup: 'staging-oracle-ee-19',
    // Enterprise Edition is bring-your-own-license only; license-included is Standard Edition 2.
    licenseModel: 'bring-your-own-license',
    logExports: ['alert', 'listener'],
    masterUsername: 'admin',
    roleFeature: 'S3_INTEGRATION',
  },
  'sqlserver-se': {
    sourceVersion: '15.00.4420.2.v1',
    replicaVersion: '15.00.4415.2.v1',
    sourceClass: 'db.m6i.xlarge',
    replicaClass: 'db.m6i.large',
    defaultPort: 1433,
    replicaPort: 1533,
    parameterGroup: { name: 'staging-sqlserver-se-15', parameters: { 'max degree of parallelism': '2' } },
    optionGroup: 'default:sqlserver-se-15-00',
    licenseModel: 'license-included',
    logExports: ['error', 'agent'],
    masterUsername: 'admin',
    roleFeature: 'S3_INTEGRATION',
    proxyEngineFamily: 'SQLSERVER',
  },
  'db2-se': {
    sourceVersion: '11.5.9.0.sb00052349.r1',
    replicaVersion: '11.5.9.0.sb00052349.r1',
    sourceClass: 'db.r6i.xlarge',
    replicaClass: 'db.r6i.large',
    defaultPort: 50000,
    replicaPort: 50001,
    // Bring-your-own-license Db2 needs a custom parameter group with the IBM customer and site ids (User Guide,
    // "IBM IDs for bring your own license (BYOL) for Db2").
    parameterGroup: { name: 'staging-db2-se-115', parameters: { 'rds.ibm_customer_id': '0123456', 'rds.ibm_site_id': '0654321' } },
    optionGroup: 'default:db2-se-11-5',
    licenseModel: 'bring-your-own-license',
    logExports: ['diag.log', 'notify.log'],
    masterUsername: 'admin',
    roleFeature: 'S3_INTEGRATION',
  },
};

/** The profile of an engine. */
export function engineProfile(engine: SimEngine): EngineProfile {
  return { engine, family: engineFamilyOf(engine)!, ...profiles[engine] };
}

