/**
 * What a command reads and writes, so that tests run commands in process and see exactly what people see.
 */
import { createInterface } from 'node:readline/promises';

/** A command's streams and its one question (the confirmation before it changes something). */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether a person can answer a question (standard input is a terminal). */
  readonly interactive: boolean;
  /** Asks a question on the terminal and returns the answer. */
  ask(question: string): Promise<string>;
}

/** The process's own streams. */
export const processIo: Io = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  interactive: process.stdin.isTTY === true,
  ask: async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  },
};
