/**
 * A simulated Secrets Manager (one region of one account): secrets with a string value, the
 * secrets RDS creates and deletes for instances that manage their master password, and
 * GetSecretValue with the service's errors and messages.
 */
import { InvalidRequestException, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import type { VirtualClock } from './clock';
import type { Random } from './random';

/** One secret. */
export interface SimSecret {
  arn: string;
  name: string;
  /** SecretString of the AWSCURRENT version. */
  value: string;
  versionId: string;
  kmsKeyId: string;
  createdDate: Date;
  /** Set when the secret is scheduled for deletion (DeleteSecret with a recovery window). */
  deletedDate?: Date;
  /** The service that manages the secret (`rds` for an RDS master secret). */
  owningService?: string;
  tags: { Key: string; Value: string }[];
}

const meta = () => ({ $metadata: { httpStatusCode: 400 } });

/** A request parameter as text. */
function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === undefined ? '' : (JSON.stringify(v) ?? '');
}


/** The simulated Secrets Manager of one region. */
export class SimSecretsManager {
  public readonly secrets = new Map<string, SimSecret>();
  /** The secrets deleted for good (ForceDeleteWithoutRecovery, or by the service that owns them), for tests. */
  public readonly purged: SimSecret[] = [];
  private seq = 0;

  public constructor(
    public readonly region: string,
    public readonly account: string,
    private readonly clock: VirtualClock,
    private readonly random: Random,
  ) {}

  /** The account's default key for secrets, alias aws/secretsmanager (the key a secret gets when none is named). */
  public get defaultKmsKeyArn(): string {
    return `arn:aws:kms:${this.region}:${this.account}:key/sim-aws-secretsmanager`;
  }

  /**
   * Creates a secret. Its ARN is the name plus a hyphen and six random characters ("Secrets Manager adds a hyphen and
   * six random characters after the secret name at the end of the ARN", Secrets Manager User Guide, "Find secrets").
   */
  public create(name: string, value: string, options: { kmsKeyId?: string; owningService?: string; tags?: { Key: string; Value: string }[] } = {}): SimSecret {
    if ([...this.secrets.values()].some((s) => s.name === name)) throw new Error(`a secret named ${name} already exists in ${this.region}`);
    const suffix = Array.from({ length: 6 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(this.random.next() * 62)]).join('');
    const secret: SimSecret = {
      arn: `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-${suffix}`,
      name,
      value,
      versionId: this.versionId(),
      kmsKeyId: options.kmsKeyId ?? this.defaultKmsKeyArn,
      createdDate: this.clock.now(),
      ...(options.owningService ? { owningService: options.owningService } : {}),
      tags: options.tags ?? [],
    };
    this.secrets.set(secret.arn, secret);
    return secret;
  }

  /** A secret that exists before the simulation starts, under the exact ARN config names (random suffix included). */
  public adopt(arn: string, value: string): SimSecret {
    const m = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+?)(-[A-Za-z0-9]{6})?$/.exec(arn);
    if (!m || m[1] !== this.region || m[2] !== this.account) throw new Error(`${arn} is not a secret ARN of ${this.account} in ${this.region}`);
    const secret: SimSecret = { arn, name: m[3] ?? arn, value, versionId: this.versionId(), kmsKeyId: this.defaultKmsKeyArn, createdDate: this.clock.now(), tags: [] };
    this.secrets.set(arn, secret);
    return secret;
  }

  /** Sets a secret's current value (PutSecretValue): a new version. */
  public put(arn: string, value: string): void {
    const s = this.secrets.get(arn);
    if (!s) throw new Error(`no secret ${arn}`);
    s.value = value;
    s.versionId = this.versionId();
  }

  /** Deletes a secret at once, without a recovery window, as RDS does with an instance's managed secret. */
  public purge(arn: string): void {
    const s = this.secrets.get(arn);
    if (!s) return;
    this.secrets.delete(arn);
    this.purged.push(s);
  }

  /** Answers one API call, as the SDK middleware hands it over. */
  public handle(command: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    try {
      switch (command) {
        case 'GetSecretValueCommand':
          return Promise.resolve(this.getSecretValue(input));
        case 'DescribeSecretCommand':
          return Promise.resolve(this.describeSecret(input));
        default:
          throw new InvalidRequestException({ message: `the simulator does not implement Secrets Manager ${command}`, ...meta() });
      }
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * SecretId is "the ARN or name of the secret"; a partial ARN (without the six random characters) also matches
   * (GetSecretValue API reference, SecretId).
   */
  private find(id: string): SimSecret {
    const all = [...this.secrets.values()];
    const secret = this.secrets.get(id) ?? all.find((s) => s.name === id) ?? all.find((s) => s.arn.slice(0, -7) === id);
    // The message every missing secret gets (GetSecretValue, ResourceNotFoundException; e.g. getmoto/moto PR #7592).
    if (!secret) throw new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", ...meta() });
    return secret;
  }

  private getSecretValue(input: Record<string, unknown>): Record<string, unknown> {
    const s = this.find(str(input.SecretId));
    // A secret scheduled for deletion cannot be read until it is restored (GetSecretValue, InvalidRequestException:
    // "The secret is scheduled for deletion").
    if (s.deletedDate) throw new InvalidRequestException({ message: "You can't perform this operation on the secret because it was marked for deletion.", ...meta() });
    return { ARN: s.arn, Name: s.name, VersionId: s.versionId, SecretString: s.value, VersionStages: ['AWSCURRENT'], CreatedDate: s.createdDate };
  }

  private describeSecret(input: Record<string, unknown>): Record<string, unknown> {
    const s = this.find(str(input.SecretId));
    return { ARN: s.arn, Name: s.name, KmsKeyId: s.kmsKeyId, CreatedDate: s.createdDate, ...(s.deletedDate ? { DeletedDate: s.deletedDate } : {}), ...(s.owningService ? { OwningService: s.owningService } : {}), Tags: s.tags };
  }

  private versionId(): string {
    return `sim-version-${++this.seq}-${this.random.hex6()}`;
  }
}
