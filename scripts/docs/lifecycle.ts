/**
 * Writes the README's run-lifecycle section from the transition table (lambdas/refresh/machine.ts), between its
 * markers: `npm run docs`. With --check it writes nothing and exits 1 when the README differs (the tests run the same
 * comparison).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { lifecycleMermaid, lifecycleTable } from '../../lambdas/refresh/machine';

export const BEGIN = '<!-- lifecycle:begin (generated from lambdas/refresh/machine.ts by `npm run docs`; edit the table there) -->';
export const END = '<!-- lifecycle:end -->';

/** The generated section. */
export function lifecycleSection(): string {
  return [BEGIN, '```mermaid', lifecycleMermaid(), '```', '', lifecycleTable(), END].join('\n');
}

/** The README with its lifecycle section replaced by the generated one. */
export function withLifecycle(readme: string): string {
  const from = readme.indexOf(BEGIN);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`README.md has no lifecycle markers; add the lines\n${BEGIN}\n${END}\nwhere the diagram belongs`);
  return readme.slice(0, from) + lifecycleSection() + readme.slice(to + END.length);
}

if (require.main === module) {
  const program = new Command('npm run docs --')
    .description("Regenerate the README's run-lifecycle diagram and table from lambdas/refresh/machine.ts")
    .option('--check', 'write nothing; exit 1 when the README is out of date')
    .parse();
  const file = join(__dirname, '..', '..', 'README.md');
  const readme = readFileSync(file, 'utf8');
  const next = withLifecycle(readme);
  if (program.opts<{ check?: boolean }>().check) {
    if (next !== readme) {
      console.error('README.md: the lifecycle section is out of date; run npm run docs');
      process.exit(1);
    }
    console.log('README.md: the lifecycle section is up to date');
  } else if (next !== readme) {
    writeFileSync(file, next);
    console.log('README.md: lifecycle section regenerated');
  } else {
    console.log('README.md: the lifecycle section is already up to date');
  }
}
