/** The shape of a CLI subcommand and the shared flag parsing (node:util parseArgs). */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';

export interface Command {
  name: string;
  summary: string;
  run(args: string[]): Promise<number>;
}

/** Bad flags or arguments: printed as one line with exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses flags; --help prints the help text and returns undefined. */
export function parseFlags<T extends Options>(args: string[], options: T, help: string) {
  const config = {
    args,
    options: { ...options, help: { type: 'boolean', short: 'h' } } as T,
    allowPositionals: true,
    strict: true,
  } as const;
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
  if ((parsed.values as Record<string, unknown>).help) {
    process.stdout.write(help);
    return undefined;
  }
  return parsed;
}

/** --data-dir, else $SKIFF_DATA_DIR, else ~/.skiff. */
export function defaultDataDir(): string {
  return process.env.SKIFF_DATA_DIR || join(homedir(), '.skiff');
}

export function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid port "${value}"`);
  return port;
}
