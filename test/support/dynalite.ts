// Tests use the simulation's DynamoDB: dynalite on a loopback port.
export { startDynalite } from '../../scripts/sim/dynamo';
export type { LocalDynamo } from '../../scripts/sim/dynamo';
