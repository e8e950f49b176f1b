/**
 * The simulated account's KMS keys: which keys exist, in which region, and whether they are enabled.
 * RDS resolves a KmsKeyId (key ARN, key id, alias ARN or alias name) in the region of the request;
 * keys never cross regions. A customer managed key's key policy can let other accounts use it; the AWS
 * managed key of a service (aws/rds) cannot.
 */

/** One key: customer managed, or the AWS managed key of a service. */
export interface SimKey {
  arn: string;
  region: string;
  keyId: string;
  aliases: string[];
  enabled: boolean;
  /**
   * Who manages the key, as DescribeKey's KeyManager reports it: CUSTOMER, or AWS for an AWS managed key (KMS API
   * Reference, KeyMetadata.KeyManager: "The manager of the KMS key. KMS keys in your AWS account are either customer
   * managed or AWS managed").
   */
  manager: 'CUSTOMER' | 'AWS';
  /**
   * Other accounts the key policy lets use the key: a statement with the account's root as Principal allowing
   * kms:Decrypt, kms:DescribeKey, kms:CreateGrant and kms:ReEncrypt* (KMS Developer Guide, "Allowing users in other
   * accounts to use a KMS key"; RDS User Guide, "Sharing encrypted snapshots": "update the key policy for the KMS key
   * ... adding the ARN of Account B as a Principal, and then allow the kms:CreateGrant action").
   */
  admitted: string[];
}

/** The account's keys. */
export class SimKms {
  public readonly keys = new Map<string, SimKey>();

  public constructor(public readonly account: string) {}

  /** Creates (or returns) a key in a region; `alias` without the `alias/` prefix. */
  public create(region: string, keyId: string, alias?: string): string {
    const arn = `arn:aws:kms:${region}:${this.account}:key/${keyId}`;
    const key = this.keys.get(arn) ?? { arn, region, keyId, aliases: [], enabled: true, manager: 'CUSTOMER', admitted: [] };
    if (alias && !key.aliases.includes(alias)) key.aliases.push(alias);
    this.keys.set(arn, key);
    return arn;
  }

  /** Registers a key named by its ARN (a key config names that the simulated account is assumed to have). */
  public register(arn: string): void {
    const [, , service, region, , resource] = arn.split(':');
    if (service !== 'kms' || !region || !resource?.startsWith('key/')) return;
    this.create(region, resource.slice('key/'.length));
  }

  /**
   * The AWS managed key of a service in a region (`aws/rds` by default), created on first use: "AWS managed keys are
   * KMS keys in your account that are created, managed, and used on your behalf by an AWS service"; their aliases are
   * aws/<service> (KMS Developer Guide, "AWS managed keys"). RDS calls it the account's default KMS key (RDS User
   * Guide, "AWS KMS key management").
   */
  public awsManagedKey(region: string, service = 'rds'): string {
    const arn = this.create(region, `aws-managed-${service}`, `aws/${service}`);
    const key = this.keys.get(arn);
    if (key) key.manager = 'AWS';
    return arn;
  }

  /** Whether a key ARN names an AWS managed key of this account (aws/rds and the like). */
  public isAwsManaged(arn: string | undefined): boolean {
    return arn !== undefined && this.keys.get(arn)?.manager === 'AWS';
  }

  /**
   * Adds another account to a customer managed key's key policy (the statement described on {@link SimKey.admitted}).
   * An AWS managed key's policy cannot be changed: "You can view the AWS managed keys in your account, view their key
   * policies, and audit their use in CloudTrail logs. However, you cannot ... change their key policies" (KMS Developer
   * Guide, "AWS managed keys"); its policy lets the service use it only for principals of the owning account (its
   * kms:CallerAccount condition), so no other account can ever be admitted.
   */
  public admit(keyArn: string, account: string): void {
    const key = this.keys.get(keyArn);
    if (!key) throw new Error(`SimKms.admit: no key ${keyArn} in account ${this.account}`);
    if (key.manager === 'AWS') throw new Error(`SimKms.admit: ${keyArn} is an AWS managed key; its key policy cannot be changed`);
    if (!key.admitted.includes(account)) key.admitted.push(account);
  }

  /** Whether the key policy lets `account` use the key: its own account always, others only when admitted. */
  public admits(keyArn: string, account: string): boolean {
    const key = this.keys.get(keyArn);
    if (!key) return false;
    if (account === this.account) return true;
    return key.manager === 'CUSTOMER' && key.admitted.includes(account);
  }

  /**
   * The enabled key a KmsKeyId means in `region`, as RDS resolves it: undefined when it names no key
   * there, names a key of another region, or the key is disabled.
   *
   * `caller` is the account using the key (this account unless given). Another account can name a key of this account
   * only by its key ARN or alias ARN ("To specify a KMS key in a different AWS account, you must use the key ARN or
   * alias ARN", KMS API Reference, Encrypt/DescribeKey KeyId), and only a key whose key policy admits it.
   */
  public resolve(id: string, region: string, caller: string = this.account): SimKey | undefined {
    if (caller !== this.account) {
      if (!id.startsWith('arn:')) return undefined;
      const key = this.resolve(id, region);
      return key && this.admits(key.arn, caller) ? key : undefined;
    }
    let key: SimKey | undefined;
    if (id.startsWith('arn:')) {
      const [, , service, keyRegion, account, resource = ''] = id.split(':');
      if (service !== 'kms' || keyRegion !== region || account !== this.account) return undefined;
      key = resource.startsWith('alias/') ? this.byAlias(resource.slice('alias/'.length), region) : this.keys.get(id);
    } else if (id.startsWith('alias/')) {
      key = this.byAlias(id.slice('alias/'.length), region);
    } else {
      key = [...this.keys.values()].find((k) => k.region === region && k.keyId === id);
    }
    return key?.enabled ? key : undefined;
  }

  private byAlias(alias: string, region: string): SimKey | undefined {
    return [...this.keys.values()].find((k) => k.region === region && k.aliases.includes(alias));
  }
}
