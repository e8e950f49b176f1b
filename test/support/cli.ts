/**
 * Runs an operator command in process, as people run it, and captures what they would see: its exit code, standard
 * output and standard error. An optional answer plays the person at the terminal.
 */
import type { CommandSpec, ExecuteSeams } from '../../scripts/cli/command';
import { execute } from '../../scripts/cli/command';
import type { Io } from '../../scripts/cli/io';

/** What a command did. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The questions it asked. */
  asked: string[];
}

/** Runs `spec` on `argv`; `answer` makes standard input a terminal that answers every question with it. */
export async function runCli<O>(spec: CommandSpec<O>, argv: string[], options: { answer?: string; seams?: ExecuteSeams } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const asked: string[] = [];
  const io: Io = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    interactive: options.answer !== undefined,
    ask: (q) => {
      asked.push(q);
      return Promise.resolve(options.answer ?? '');
    },
  };
  const code = await execute(spec, argv, io, options.seams ?? {});
  return { code, stdout, stderr, asked };
}
