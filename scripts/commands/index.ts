/** The operator commands, by name: `npm run <name>` runs scripts/cli/main.ts with it (README, "Operator commands"). */
import type { CommandSpec } from '../cli/command';
import { drill } from './drill';
import { history } from './history';
import { list } from './list';
import { plan } from './plan';
import { recover } from './recover';
import { report } from './report';
import { restore } from './restore';
import { status } from './status';
import { vault } from './vault';

/** Every command, in the order the README lists them. */
export const COMMANDS: Readonly<Record<string, CommandSpec<never>>> = { status, history, report, plan, drill, restore, list, recover, vault };
