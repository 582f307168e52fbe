/** `skiff version`: the skiff release and the Kubernetes API version it serves. */
import type { Command } from './command.js';

declare const SKIFF_VERSION: string;

export const versionCommand: Command = {
  name: 'version',
  summary: 'Print the skiff version',
  async run() {
    const version = typeof SKIFF_VERSION === 'string' ? SKIFF_VERSION : 'dev';
    process.stdout.write(`skiff ${version} (Kubernetes API v1.32)\n`);
    return 0;
  },
};
