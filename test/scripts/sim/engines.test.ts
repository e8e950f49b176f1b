/**
 * Every engine `--engine` offers, end to end: a night refreshes y on that engine with RDS rejecting nothing the
 * functions send (the per-engine rules of rds-rules.ts apply), and y comes back with its engine's settings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIM_ENGINES, engineProfile } from '../../../scripts/sim/engines';
import { Simulation } from '../../../scripts/sim/world';

const config = (JSON.parse(readFileSync(join(__dirname, '../../../cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } }).context.replicaRefresh;
const Y = 'orders-staging';

describe('the engines of the simulation', () => {
  it.each([...SIM_ENGINES])('refreshes a %s y with requests RDS accepts ("AllocatedStorage", "LicenseModel", "DBParameterGroupName" per engine)', async (engine) => {
    const sim = await Simulation.create({ config, seed: 17, engine });
    try {
      await sim.runNights(1);
      expect((await sim.history(Y)).map((r) => r.status)).toEqual(['succeeded']);
      const p = engineProfile(engine);
      expect(sim.rds.instances.get(Y)).toMatchObject({
        Engine: p.engine,
        EngineVersion: p.sourceVersion,
        DbInstancePort: p.replicaPort,
        LicenseModel: p.licenseModel,
        DBParameterGroups: [expect.objectContaining({ DBParameterGroupName: p.parameterGroup.name })],
        OptionGroupMemberships: [expect.objectContaining({ OptionGroupName: p.optionGroup })],
        EnabledCloudwatchLogsExports: p.logExports,
      });
      // What the functions ask RDS to do (lookups of things that may not exist are answered as such).
      const changes = sim.rds.calls.filter((c) => /^(Restore|Modify|Delete|AddRole|Register|Copy|Create)/.test(c.command));
      const refused = changes.filter((c) => !['ok', 'Throttling', 'InvalidDBInstanceStateFault'].includes(c.outcome));
      expect(refused.map((c) => `${c.command}: ${c.outcome}`)).toEqual([]);
    } finally {
      await sim.close();
    }
  });
});
