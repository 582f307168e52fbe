/** The shape of a CLI subcommand and the shared flag parsing (node:util parseArgs). */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { parseQuantity } from '../registry/common/quantity.js';

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

/** --container-log-max-size / --container-log-max-files (the kubelet's names), when either is given. */
export function parseLogRotation(
  size: string | undefined,
  files: string | undefined,
): { maxBytes: number; maxFiles: number } | undefined {
  if (size === undefined && files === undefined) return undefined;
  let maxBytes = 10 * 1024 * 1024;
  if (size !== undefined) {
    try {
      maxBytes = parseQuantity(size);
    } catch {
      throw new UsageError(`--container-log-max-size: expected a size such as 10Mi, got "${size}"`);
    }
    if (!(maxBytes >= 1))
      throw new UsageError(`--container-log-max-size: must be at least 1 byte, got "${size}"`);
  }
  const maxFiles = files === undefined ? 5 : Number(files);
  if (!Number.isInteger(maxFiles) || maxFiles < 2)
    throw new UsageError(`--container-log-max-files: expected a whole number >= 2, got "${files}"`);
  return { maxBytes: Math.floor(maxBytes), maxFiles };
}

export function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid port "${value}"`);
  return port;
}
