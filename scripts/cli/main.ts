/**
 * The entry point of the operator commands: `tsx scripts/cli/main.ts <command> [options]`, which `npm run <command>`
 * runs (package.json). Quiet first: when the handlers run in the simulation their JSON logs stay off, so the command
 * prints for people.
 */
import './quiet';
import { COMMANDS } from '../commands';
import { execute } from './command';
import { EXIT } from './errors';

const [name, ...args] = process.argv.slice(2);
const spec = name ? COMMANDS[name] : undefined;
if (!spec) {
  process.stderr.write(`error: unknown command "${name ?? ''}"\nthe commands: ${Object.keys(COMMANDS).map((c) => `npm run ${c}`).join(', ')}\n`);
  process.exitCode = EXIT.usage;
} else {
  void execute(spec, args).then((code) => {
    process.exitCode = code;
  });
}
