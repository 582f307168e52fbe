/**
 * The `skiff` command. Each subcommand is its own module; this file only dispatches and turns
 * failures into one clear line on stderr (no stack traces for users).
 */

import { agentCommand } from './agent.js';
import { type Command, UsageError } from './command.js';
import { imageCommand } from './image.js';
import { serverCommand } from './server.js';
import { upCommand } from './up.js';
import { versionCommand } from './version.js';

const commands: Command[] = [upCommand, serverCommand, agentCommand, imageCommand, versionCommand];

function usage(): string {
  const lines = commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
  return `skiff: a Kubernetes-compatible container orchestrator\n\nUsage: skiff <command> [flags]\n\nCommands:\n${lines.join('\n')}\n\nRun 'skiff <command> --help' for a command's flags.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`skiff: unknown command "${name}"; run 'skiff --help' for the list\n`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`skiff ${name}: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`skiff ${name}: ${(err as Error).message ?? String(err)}\n`);
    if (process.env.SKIFF_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (err) => {
    process.stderr.write(`skiff: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
