/**
 * The read-only parameter groups of a replica region (issue 17, `staging.readOnly`): one DB parameter group per
 * distinct `staging.parameterGroupFamily` among the region's pairs with `readOnly: true`, holding the family's
 * read-only setting (READ_ONLY_PARAMETERS of lambdas/kernel/config.ts: PostgreSQL's default_transaction_read_only,
 * MySQL's and MariaDB's read_only). start-refresh puts its name ({@link readOnlyParameterGroupName}) into y's desired
 * settings, so every restore of y attaches it; the restorers' grants already cover it (ReplicaInstances.grantRestore:
 * RestoreInputs and ModifyInputs on `pg:*` of the region, each also requiring db:<y>).
 *
 * The hooks' SQL runner of a pair is not made here: it is the pair's CopyValidation (infra/features/copy-validation.ts),
 * the function that validates a swap mode's copy.
 *
 * Each group has an explicit name, which the functions compute from the family alone (no deploy-time value in their
 * configuration). The groups are deleted with the stack (CloudFormation's default): deleting the stack while a y still
 * uses one fails on that group until y is given another (a retained group would instead make the next deployment fail
 * to create a group of the same name).
 */
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { READ_ONLY_PARAMETERS, readOnlyParameterGroupName, type PairConfig } from '../../lambdas/kernel/config';

/**
 * The name of the project's read-only parameter group of a family: `replica-refresh-read-only-<family>`, its dots (and
 * any other character a DB parameter group name may not hold) as hyphens, such as
 * `replica-refresh-read-only-mysql8-0`. One function for both sides: the functions' (lambdas/kernel/config.ts, which
 * start-refresh uses for y's desired parameterGroupName) is re-exported here, so the name the deployment gives the group
 * and the one the restore asks for cannot drift apart.
 */
export { readOnlyParameterGroupName };

/** The longest DB parameter group name (CreateDBParameterGroup, DBParameterGroupName: 1 to 255 letters, digits, hyphens). */
const MAX_GROUP_NAME = 255;

/** The read-only setting of a family, by the prefix it starts with (`postgres16` → postgres), or undefined. */
export function readOnlyParameter(family: string): { name: string; value: string } | undefined {
  const engine = Object.keys(READ_ONLY_PARAMETERS)
    .filter((prefix) => family.startsWith(prefix))
    .sort((a, b) => b.length - a.length)[0];
  return engine === undefined ? undefined : READ_ONLY_PARAMETERS[engine];
}

/** The families of the pairs whose y is made read-only (`staging.readOnly`), each once, sorted. */
export function readOnlyFamilies(pairs: readonly PairConfig[]): string[] {
  const families = pairs.filter((p) => p.staging?.readOnly === true && p.staging.parameterGroupFamily !== undefined).map((p) => p.staging!.parameterGroupFamily!);
  return [...new Set(families)].sort();
}

/** Properties of {@link StagingSafety}. */
export interface StagingSafetyProps {
  /** The pairs whose y lives in this stack's region. */
  readonly pairs: readonly PairConfig[];
}

/** The project's read-only DB parameter groups of one region, one per family its `staging.readOnly` pairs use. */
export class StagingSafety extends Construct {
  /** The parameter groups, by family. */
  public readonly parameterGroups: ReadonlyMap<string, rds.CfnDBParameterGroup>;

  public constructor(scope: Construct, id: string, props: StagingSafetyProps) {
    super(scope, id);
    const groups = new Map<string, rds.CfnDBParameterGroup>();
    const families = new Map<string, string>();
    for (const family of readOnlyFamilies(props.pairs)) {
      const parameter = readOnlyParameter(family);
      const users = props.pairs.filter((p) => p.staging?.readOnly === true && p.staging.parameterGroupFamily === family).map((p) => p.id);
      // The configuration refuses such a family (lambdas/kernel/config.ts); a construct built from other input says why.
      if (parameter === undefined) {
        throw new Error(`staging.readOnly of ${users.join(', ')}: the family "${family}" has no known read-only setting (${Object.keys(READ_ONLY_PARAMETERS).join(', ')} families only)`);
      }
      const name = readOnlyParameterGroupName(family);
      if (name.length > MAX_GROUP_NAME || !/^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/.test(name)) {
        throw new Error(`staging.parameterGroupFamily "${family}" of ${users.join(', ')} gives the parameter group name "${name}", which RDS does not take (letters, digits and single hyphens, not ending in one, at most ${MAX_GROUP_NAME}); check the family`);
      }
      const other = families.get(name);
      if (other !== undefined) throw new Error(`staging.parameterGroupFamily "${family}" of ${users.join(', ')} and "${other}" give one parameter group name, "${name}": spell the family as RDS does (DescribeDBEngineVersions, DBParameterGroupFamily)`);
      families.set(name, family);
      const group = new rds.CfnDBParameterGroup(this, `ReadOnly-${family}`, {
        dbParameterGroupName: name,
        family,
        // Fixed by the family alone, not by the parameter or the pairs: CloudFormation replaces a parameter group whose
        // description changes, and cannot replace one of an explicit name (it would create the new one first).
        description: `replica-refresh: makes the staging copies (staging.readOnly) of family ${family} read-only for ordinary sessions; attached at each restore`,
        parameters: { [parameter.name]: parameter.value },
      });
      groups.set(family, group);
    }
    this.parameterGroups = groups;
  }
}
