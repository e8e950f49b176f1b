/**
 * Where an AWS call goes: an account and a region. Every SDK client of the project is built for one place and kept
 * per place, so that a second account (the vault) is one more place in the configuration, not a rewrite of the
 * wiring. A function's own place is its account and region; a client for a place in another account needs that
 * account's credentials, which the builder of the clients supplies (Lambda's default builder refuses: it has only the
 * function's own role).
 */

/** An AWS account and region. */
export interface Place {
  readonly account: string;
  readonly region: string;
}

/** `123456789012/eu-west-1`: the key clients are kept under. */
export function placeKey(place: Place): string {
  return `${place.account}/${place.region}`;
}

/** The place of a pair's side: its region, in the configuration's account (one account per configuration today). */
export function placeOf(account: string, side: { region: string }): Place {
  return { account, region: side.region };
}

/** Clients (or adapters) of one kind, one per place, built on first use. */
export class PerPlace<C> {
  private readonly built = new Map<string, C>();

  constructor(private readonly build: (place: Place) => C) {}

  get(place: Place): C {
    const key = placeKey(place);
    let client = this.built.get(key);
    if (client === undefined) this.built.set(key, (client = this.build(place)));
    return client;
  }
}

/**
 * Refuses a place in another account than `home`'s: what Lambda's default clients do, since a function has only its
 * own role's credentials. The message names both accounts and what to configure.
 */
export function requireHomeAccount(home: Place, place: Place, what: string): void {
  if (place.account !== home.account) {
    throw new Error(
      `${what} in account ${place.account} (${place.region}): this function runs in account ${home.account} and has no credentials for another account; ` +
        'a client for another account must be built with that account\'s credentials (a role it lets this function assume)',
    );
  }
}
