/**
 * The `skiff` command. Each subcommand is its own module; this file only dispatches and turns
 * failures into one clear line on stderr (no stack traces for users).
 */

import { type Command, UsageError } from './command.js';

/**
 * Commands load on demand: an agent process must not parse (and keep in memory) the API
 * server's code, nor the server the agent's.
 */
interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

const commands: CommandEntry[] = [
  {
    name: 'up',
    summary: 'Start a one-node cluster (server and agent in one process)',
    load: async () => (await import('./up.js')).upCommand,
  },
  {
    name: 'server',
    summary: 'Run the API server',
    load: async () => (await import('./server.js')).serverCommand,
  },
  {
    name: 'agent',
    summary: 'Run a node agent (--virtual N: simulated nodes)',
    load: async () => (await import('./agent.js')).agentCommand,
  },
  {
    name: 'image',
    summary: 'Manage node images (import, ls, rm)',
    load: async () => (await import('./image.js')).imageCommand,
  },
  {
    name: 'version',
    summary: 'Print the skiff version',
    load: async () => (await import('./version.js')).versionCommand,
  },
];

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
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`skiff: unknown command "${name}"; run 'skiff --help' for the list\n`);
    return 2;
  }
  try {
    return await (await entry.load()).run(rest);
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
