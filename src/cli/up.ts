/**
 * `skiff up`: the embedded default. One process runs the API server (controllers, scheduler) and
 * an agent that makes this machine the cluster's node, so one command gives a working cluster
 * whose kubeconfig is <data-dir>/kubeconfig.yaml.
 */
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { startNodeAgent } from '../agent/node-agent.js';
import { defaultServerConfig, startServer } from '../apiserver/server.js';
import { untilSignal } from './agent.js';
import {
  type Command,
  defaultDataDir,
  parseFlags,
  parseLogRotation,
  parsePort,
  UsageError,
} from './command.js';

const help = `Start a one-node skiff cluster on this machine: API server and node agent in one process.

Usage: skiff up [flags]

Flags:
  --data-dir DIR          everything the cluster keeps (default $SKIFF_DATA_DIR or ~/.skiff);
                          kubeconfig at <data-dir>/kubeconfig.yaml
  --port N                API server HTTPS port (default 6443; 0 picks a free port)
  --bind-address ADDR     address the API server listens on (default 127.0.0.1)
  --node-name NAME        the node's name (default: the host name)
  --node-ip IP            the node's InternalIP (default 127.0.0.1: a one-machine cluster)
  --kubelet-port N        the node endpoint's port (default 10250; 0: any free port)
  --insecure-registry H   a registry reached over plain HTTP (repeatable; loopback ones always are)
  --container-log-max-size SIZE  rotate a container's log past this size (default 10Mi)
  --container-log-max-files N    log files kept per container, the current one included (default 5)
  -h, --help              this help
`;

export const upCommand: Command = {
  name: 'up',
  summary: 'Start a one-node cluster (server and agent in one process)',
  async run(args) {
    const parsed = parseFlags(
      args,
      {
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        'bind-address': { type: 'string' },
        'node-name': { type: 'string' },
        'node-ip': { type: 'string' },
        'kubelet-port': { type: 'string' },
        'insecure-registry': { type: 'string', multiple: true },
        'container-log-max-size': { type: 'string' },
        'container-log-max-files': { type: 'string' },
      },
      help,
    );
    if (!parsed) return 0;
    const v = parsed.values;
    const logRotation = parseLogRotation(v['container-log-max-size'], v['container-log-max-files']);
    if (parsed.positionals.length) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
    if (process.getuid?.() !== 0) throw new Error('skiff up runs containers and must run as root');
    const dataDir = resolve(v['data-dir'] ?? defaultDataDir());
    const config = defaultServerConfig(dataDir);
    config.port = parsePort(v.port, 6443);
    config.bindAddress = v['bind-address'] ?? '127.0.0.1';
    const started = Date.now();
    const server = await startServer(config);
    try {
      const agent = await startNodeAgent({
        client: server.client,
        dataDir,
        nodeName: v['node-name'] ?? hostname().toLowerCase(),
        nodeIP: v['node-ip'] ?? '127.0.0.1',
        kubeletPort: parsePort(v['kubelet-port'], 10250),
        clusterCA: server.pki.ca.cert,
        clusterCIDR: config.clusterCIDR,
        insecureRegistries: v['insecure-registry'],
        logRotation,
        log: (line) => process.stderr.write(`skiff up: ${line}\n`),
      });
      process.stderr.write(
        `skiff up: cluster ready in ${Date.now() - started} ms: API ${server.url}, node ${agent.nodeName}; ` +
          `export KUBECONFIG=${join(dataDir, 'kubeconfig.yaml')}\n`,
      );
      await untilSignal();
      await agent.stop();
    } finally {
      await server.close();
    }
    return 0;
  },
};
