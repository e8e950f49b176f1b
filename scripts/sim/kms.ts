/**
 * The simulated account's KMS keys: which keys exist, in which region, and whether they are enabled.
 * RDS resolves a KmsKeyId (key ARN, key id, alias ARN or alias name) in the region of the request;
 * keys never cross regions.
 */

/** One customer-managed key. */
export interface SimKey {
  arn: string;
  region: string;
  keyId: string;
  aliases: string[];
  enabled: boolean;
}

/** The account's keys. */
export class SimKms {
  public readonly keys = new Map<string, SimKey>();

  public constructor(public readonly account: string) {}

  /** Creates (or returns) a key in a region; `alias` without the `alias/` prefix. */
  public create(region: string, keyId: string, alias?: string): string {
    const arn = `arn:aws:kms:${region}:${this.account}:key/${keyId}`;
    const key = this.keys.get(arn) ?? { arn, region, keyId, aliases: [], enabled: true };
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
   * The enabled key a KmsKeyId means in `region`, as RDS resolves it: undefined when it names no key
   * there, names a key of another region, or the key is disabled.
   */
  public resolve(id: string, region: string): SimKey | undefined {
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
