/**
 * A simulated SSM Parameter Store (one region of one account): String parameters with versions,
 * PutParameter's overwrite rule and limits, and GetParameter, with the service's errors.
 */
import { ParameterAlreadyExists, ParameterNotFound, ValidationException } from '@aws-sdk/client-ssm';
import type { VirtualClock } from './clock';

/** One parameter. */
export interface SimParameter {
  name: string;
  value: string;
  type: string;
  version: number;
  description?: string;
  lastModifiedDate: Date;
}

const meta = () => ({ $metadata: { httpStatusCode: 400 } });

/** A request parameter as text. */
function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === undefined ? '' : (JSON.stringify(v) ?? '');
}


/** The simulated Parameter Store of one region. */
export class SimSsm {
  public readonly parameters = new Map<string, SimParameter>();
  /** Every PutParameter that succeeded, oldest first. */
  public readonly history: SimParameter[] = [];

  public constructor(
    public readonly region: string,
    public readonly account: string,
    private readonly clock: VirtualClock,
  ) {}

  /** Answers one API call, as the SDK middleware hands it over. */
  public handle(command: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    try {
      switch (command) {
        case 'PutParameterCommand':
          return Promise.resolve(this.putParameter(input));
        case 'GetParameterCommand':
          return Promise.resolve(this.getParameter(input));
        default:
          throw new ValidationException({ message: `the simulator does not implement SSM ${command}`, ...meta() });
      }
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private putParameter(input: Record<string, unknown>): Record<string, unknown> {
    const name = str(input.Name);
    const value = str(input.Value);
    const type = (input.Type as string | undefined) ?? 'String';
    // PutParameter API reference, Name: a fully qualified name is at most 1011 characters; letters, digits and ._-/.
    // Message unconfirmed.
    if (!/^[A-Za-z0-9_.\-/]{1,1011}$/.test(name) || /^\/?(aws|ssm)/i.test(name)) throw new ValidationException({ message: `Parameter name ${name} is not valid: use letters, numbers and . - _ /, not prefixed with aws or ssm.`, ...meta() });
    // PutParameter API reference, Value: "Standard parameters have a value limit of 4 KB."
    if (Buffer.byteLength(value) > 4096) throw new ValidationException({ message: 'Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.', ...meta() });
    const existing = this.parameters.get(name);
    // PutParameter API reference, Overwrite: "Overwrite an existing parameter. The default value is false."
    if (existing && input.Overwrite !== true) throw new ParameterAlreadyExists({ message: 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.', ...meta() });
    const p: SimParameter = {
      name,
      value,
      type,
      version: (existing?.version ?? 0) + 1,
      ...(input.Description !== undefined ? { description: str(input.Description) } : existing?.description !== undefined ? { description: existing.description } : {}),
      lastModifiedDate: this.clock.now(),
    };
    this.parameters.set(name, p);
    this.history.push({ ...p });
    return { Version: p.version, Tier: 'Standard' };
  }

  private getParameter(input: Record<string, unknown>): Record<string, unknown> {
    const name = str(input.Name);
    const p = this.parameters.get(name);
    if (!p) throw new ParameterNotFound({ message: `Parameter ${name} not found.`, ...meta() });
    return { Parameter: { Name: p.name, Type: p.type, Value: p.value, Version: p.version, LastModifiedDate: p.lastModifiedDate, ARN: `arn:aws:ssm:${this.region}:${this.account}:parameter${p.name.startsWith('/') ? '' : '/'}${p.name}` } };
  }
}
