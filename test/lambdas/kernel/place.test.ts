import type { Place } from '../../../lambdas/kernel/place';
import { PerPlace, placeKey, requireHomeAccount } from '../../../lambdas/kernel/place';

describe('PerPlace', () => {
  it('keys by account and region: the same region in two accounts is two clients', () => {
    const pool = new PerPlace((place: Place) => ({ ...place }));
    const one = pool.get({ account: '111111111111', region: 'eu-west-1' });
    expect(pool.get({ account: '111111111111', region: 'eu-west-1' })).toBe(one);
    expect(pool.get({ account: '222222222222', region: 'eu-west-1' })).not.toBe(one);
  });

  it('refuses a place in another account than home\'s, and accepts any region of home\'s account', () => {
    const home = { account: '111111111111', region: 'eu-west-1' };
    expect(() => requireHomeAccount(home, { account: '111111111111', region: 'ap-south-1' }, 'RDS')).not.toThrow();
    expect(() => requireHomeAccount(home, { account: '222222222222', region: 'eu-west-1' }, 'RDS')).toThrow('RDS in account 222222222222 (eu-west-1)');
    expect(placeKey(home)).toBe('111111111111/eu-west-1');
  });
});
