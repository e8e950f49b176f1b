import { VirtualClock } from '../../../scripts/sim/clock';

describe('VirtualClock', () => {
  it('runs work in time order, FIFO for equal times, and stops at the limit', async () => {
    const clock = new VirtualClock(new Date('2026-11-21T00:00:00Z'));
    const seen: string[] = [];
    clock.after(2000, 'b', () => void seen.push(`b@${clock.now().toISOString()}`));
    clock.after(1000, 'a1', () => void seen.push('a1'));
    clock.after(1000, 'a2', () => {
      seen.push('a2');
      clock.after(0, 'a3', () => void seen.push('a3'));
    });
    clock.after(10_000, 'late', () => void seen.push('late'));
    await clock.run(new Date('2026-11-21T00:00:05Z'));
    expect(seen).toEqual(['a1', 'a2', 'a3', 'b@2026-11-21T00:00:02.000Z']);
    expect(clock.now().toISOString()).toBe('2026-11-21T00:00:05.000Z');
    expect(clock.pending).toBe(1);
  });
  it('never schedules into the past', async () => {
    const clock = new VirtualClock(new Date('2026-11-21T00:00:00Z'));
    let at = '';
    clock.at(new Date('2020-01-01T00:00:00Z'), 'past', () => void (at = clock.now().toISOString()));
    await clock.run(new Date('2026-11-21T00:00:01Z'));
    expect(at).toBe('2026-11-21T00:00:00.000Z');
  });
  it('surfaces a failing step with its label', async () => {
    const clock = new VirtualClock(new Date('2026-11-21T00:00:00Z'));
    clock.after(1, 'broken step', () => {
      throw new Error('boom');
    });
    await expect(clock.run(new Date('2026-11-21T00:01:00Z'))).rejects.toThrow('simulation step "broken step" failed: boom');
  });
});
