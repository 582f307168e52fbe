/** `skiff server`: runs the API server until SIGINT/SIGTERM. */
import { join, resolve } from 'node:path';
import { defaultServerConfig, startServer } from '../apiserver/server.js';
import { type Command, defaultDataDir, parseFlags, parsePort, UsageError } from './command.js';

const help = `Run the skiff API server.

Usage: skiff server [flags]

Flags:
  --data-dir DIR          state, certificates, kubeconfig.yaml and node-token (default $SKIFF_DATA_DIR or ~/.skiff)
  --port N                HTTPS port (default 6443; 0 picks a free port)
  --bind-address ADDR     address to listen on (default 0.0.0.0)
  --store KIND            sqlite (embedded, default) or etcd
  --etcd-endpoints URLS   comma-separated etcd client URLs, with --store etcd
  --tls-san NAME          extra name or IP for the serving certificate (repeatable)
  --service-cidr CIDR     service virtual IP range (default 10.43.0.0/16)
  --cluster-cidr CIDR     pod IP range (default 10.42.0.0/16)
  --node-monitor-grace-period S             seconds without heartbeats before a node is NotReady (default 40)
  --default-not-ready-toleration-seconds S  how long pods stay on a not-ready node (default 300)
  --default-unreachable-toleration-seconds S  how long pods stay on an unreachable node (default 300)
  -h, --help              this help
`;

export const serverCommand: Command = {
  name: 'server',
  summary: 'Run the API server',
  async run(args) {
    const parsed = parseFlags(
      args,
      {
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        'bind-address': { type: 'string' },
        store: { type: 'string' },
        'etcd-endpoints': { type: 'string' },
        'tls-san': { type: 'string', multiple: true },
        'service-cidr': { type: 'string' },
        'cluster-cidr': { type: 'string' },
        'node-monitor-grace-period': { type: 'string' },
        'default-not-ready-toleration-seconds': { type: 'string' },
        'default-unreachable-toleration-seconds': { type: 'string' },
      },
      help,
    );
    if (!parsed) return 0;
    const v = parsed.values;
    if (parsed.positionals.length) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
    const dataDir = resolve(v['data-dir'] ?? defaultDataDir());
    const config = defaultServerConfig(dataDir);
    config.port = parsePort(v.port, 6443);
    if (v['bind-address']) config.bindAddress = v['bind-address'];
    if (v['tls-san']) config.tlsSans = v['tls-san'];
    if (v['service-cidr']) config.serviceCIDR = v['service-cidr'];
    if (v['cluster-cidr']) config.clusterCIDR = v['cluster-cidr'];
    const seconds = (flag: string, value: string | undefined, fallback: number) => {
      if (value === undefined) return fallback;
      const n = Number(value.replace(/s$/, ''));
      if (!Number.isInteger(n) || n < 0)
        throw new UsageError(`invalid --${flag} "${value}": want whole seconds`);
      return n;
    };
    config.defaultNotReadyTolerationSeconds = seconds(
      'default-not-ready-toleration-seconds',
      v['default-not-ready-toleration-seconds'],
      300,
    );
    config.defaultUnreachableTolerationSeconds = seconds(
      'default-unreachable-toleration-seconds',
      v['default-unreachable-toleration-seconds'],
      300,
    );
    config.controllerOptions = {
      nodeMonitorGracePeriodSeconds: seconds('node-monitor-grace-period', v['node-monitor-grace-period'], 40),
      defaultNotReadyTolerationSeconds: config.defaultNotReadyTolerationSeconds,
    };
    const storeKind = v.store ?? 'sqlite';
    if (storeKind === 'etcd') {
      const endpoints = (v['etcd-endpoints'] ?? '').split(',').filter(Boolean);
      if (endpoints.length === 0) throw new UsageError('--store etcd needs --etcd-endpoints');
      config.store = { kind: 'etcd', endpoints };
    } else if (storeKind === 'sqlite') {
      config.store = { kind: 'sqlite', path: join(dataDir, 'db', 'state.db') };
    } else {
      throw new UsageError(`unknown store "${storeKind}": use sqlite or etcd`);
    }
    const server = await startServer(config);
    process.stderr.write(
      `skiff server listening on ${server.url}; kubeconfig: ${join(dataDir, 'kubeconfig.yaml')}\n`,
    );
    await new Promise<void>((done) => {
      const stop = () => done();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    return 0;
  },
};
