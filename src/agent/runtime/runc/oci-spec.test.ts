import type { Container } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import {
  ALL_CAPABILITIES,
  buildOciSpec,
  capabilities,
  DEFAULT_CAPABILITIES,
  type ImageConfig,
  mergeEnv,
  processArgs,
  type SpecInput,
} from './oci-spec.js';

const image = (over: Partial<ImageConfig> = {}): ImageConfig => ({
  env: ['PATH=/bin', 'LANG=C'],
  entrypoint: ['/entry'],
  cmd: ['serve', '--port=80'],
  workingDir: '/srv',
  user: '',
  ...over,
});

function input(container: Partial<Container> = {}, over: Partial<SpecInput> = {}): SpecInput {
  return {
    container: { name: 'app', image: 'img', ...container },
    pod: { uid: 'u1', namespace: 'ns', name: 'web-1', hostname: 'web-1' },
    image: image(),
    run: { env: [], mounts: [], pullAuths: [] },
    rootfs: '/state/c1/rootfs',
    user: { uid: 0, gid: 0, additionalGids: [0] },
    namespaces: { network: '/run/netns/n1', uts: '/state/p/ns-uts', ipc: '/state/p/ns-ipc' },
    shmPath: '/state/p/shm',
    cgroupsPath: '/kubepods/burstable/podu1/c1',
    cgroupValues: { cpuShares: 256, cpuQuotaUs: 50_000, cpuPeriodUs: 100_000, memoryLimitBytes: 1 << 26 },
    oomScoreAdj: 500,
    ...over,
  };
}

const spec = (i: SpecInput) => buildOciSpec(i) as any;

describe('processArgs (Kubernetes command/args rules)', () => {
  const cases: Array<{
    name: string;
    command?: string[];
    args?: string[];
    img?: Partial<ImageConfig>;
    want: string[];
  }> = [
    { name: 'neither: the image entrypoint and cmd', want: ['/entry', 'serve', '--port=80'] },
    { name: 'args only: they replace the cmd', args: ['x'], want: ['/entry', 'x'] },
    {
      name: 'command only: it replaces the entrypoint and drops the cmd',
      command: ['/bin/sh'],
      want: ['/bin/sh'],
    },
    {
      name: 'command and args: both from the pod',
      command: ['/bin/sh'],
      args: ['-c', 'true'],
      want: ['/bin/sh', '-c', 'true'],
    },
    { name: 'an empty command counts as unset', command: [], args: ['y'], want: ['/entry', 'y'] },
    {
      name: 'an image entrypoint of [""] means none',
      img: { entrypoint: [''] },
      want: ['serve', '--port=80'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(processArgs(c.command, c.args, image(c.img))).toEqual(c.want));
  }
  it('fails when nothing is left to run', () => {
    expect(() => processArgs(undefined, undefined, image({ entrypoint: [], cmd: [] }))).toThrow(
      'no command specified',
    );
  });
});

describe('mergeEnv', () => {
  it('puts the image env first, lets the pod override in place, and adds HOSTNAME', () => {
    expect(
      mergeEnv(
        ['PATH=/bin', 'LANG=C', 'EMPTY='],
        [
          { name: 'LANG', value: 'en' },
          { name: 'NEW', value: 'a=b' },
        ],
        'h1',
      ),
    ).toEqual(['PATH=/bin', 'LANG=en', 'EMPTY=', 'NEW=a=b', 'HOSTNAME=h1']);
  });
  it('gives a default PATH when the image has none', () => {
    expect(mergeEnv([], [], 'h')[0]).toMatch(/^PATH=\/usr\/local\/sbin:/);
  });
});

describe('capabilities', () => {
  const sc = (add?: string[], drop?: string[], privileged?: boolean): Container => ({
    name: 'c',
    securityContext: { capabilities: { add, drop }, privileged },
  });
  it('is the runtime default set without a security context', () => {
    expect(capabilities({ name: 'c' })).toEqual(DEFAULT_CAPABILITIES);
  });
  it('adds and drops by Kubernetes names (with or without CAP_)', () => {
    const caps = capabilities(sc(['NET_ADMIN', 'CAP_SYS_TIME'], ['chown']));
    expect(caps).toContain('CAP_NET_ADMIN');
    expect(caps).toContain('CAP_SYS_TIME');
    expect(caps).not.toContain('CAP_CHOWN');
  });
  it('drop ALL then add one leaves only that one', () => {
    expect(capabilities(sc(['NET_BIND_SERVICE'], ['ALL']))).toEqual(['CAP_NET_BIND_SERVICE']);
  });
  it('add ALL then drop one', () => {
    const caps = capabilities(sc(['ALL'], ['SYS_ADMIN']));
    expect(caps).toHaveLength(ALL_CAPABILITIES.length - 1);
    expect(caps).not.toContain('CAP_SYS_ADMIN');
  });
  it('a drop wins over an add of the same capability', () => {
    expect(capabilities(sc(['NET_ADMIN'], ['NET_ADMIN']))).not.toContain('CAP_NET_ADMIN');
  });
  it('privileged is every capability', () => {
    expect(capabilities(sc(undefined, ['ALL'], true))).toEqual(ALL_CAPABILITIES);
  });
});

describe('buildOciSpec', () => {
  it('builds the process from the image and pod', () => {
    const s = spec(
      input(
        { workingDir: '', tty: true },
        {
          run: {
            command: ['/bin/app'],
            args: ['--v'],
            env: [{ name: 'A', value: '1' }],
            mounts: [],
            pullAuths: [],
          },
          user: { uid: 1000, gid: 1000, additionalGids: [1000, 2000] },
        },
      ),
    );
    expect(s.process).toMatchObject({
      terminal: true,
      args: ['/bin/app', '--v'],
      cwd: '/srv',
      user: { uid: 1000, gid: 1000, additionalGids: [1000, 2000] },
      noNewPrivileges: false,
      oomScoreAdj: 500,
    });
    expect(s.process.env).toEqual(['PATH=/bin', 'LANG=C', 'A=1', 'HOSTNAME=web-1']);
    expect(s.hostname).toBe('web-1');
    expect(s.root).toEqual({ path: '/state/c1/rootfs', readonly: false });
  });

  it('uses the container workingDir over the image one, and / when neither has one', () => {
    expect(spec(input({ workingDir: '/work' })).process.cwd).toBe('/work');
    expect(spec(input({}, { image: image({ workingDir: '' }) })).process.cwd).toBe('/');
  });

  it('joins the sandbox namespaces by path and owns pid and mount', () => {
    expect(spec(input()).linux.namespaces).toEqual([
      { type: 'pid' },
      { type: 'ipc', path: '/state/p/ns-ipc' },
      { type: 'uts', path: '/state/p/ns-uts' },
      { type: 'mount' },
      { type: 'network', path: '/run/netns/n1' },
    ]);
    expect(spec(input({}, { cgroupV2: true })).linux.namespaces.at(-1)).toEqual({ type: 'cgroup' });
  });

  it('maps resources to cgroup settings under the pod cgroup', () => {
    const s = spec(input());
    expect(s.linux.cgroupsPath).toBe('/kubepods/burstable/podu1/c1');
    expect(s.linux.resources).toEqual({
      devices: [{ allow: false, access: 'rwm' }],
      cpu: { shares: 256, quota: 50_000, period: 100_000 },
      memory: { limit: 1 << 26 },
    });
    const unlimited = spec(input({}, { cgroupValues: { cpuShares: 2, pidsLimit: 100 } }));
    expect(unlimited.linux.resources).toEqual({
      devices: [{ allow: false, access: 'rwm' }],
      cpu: { shares: 2 },
      pids: { limit: 100 },
    });
  });

  it('applies readOnlyRootFilesystem, allowPrivilegeEscalation=false and sysctls', () => {
    const s = spec(
      input(
        { securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false } },
        {
          pod: {
            uid: 'u',
            namespace: 'n',
            name: 'p',
            hostname: 'p',
            securityContext: { sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] },
          },
        },
      ),
    );
    expect(s.root.readonly).toBe(true);
    expect(s.process.noNewPrivileges).toBe(true);
    expect(s.linux.sysctl).toEqual({ 'net.core.somaxconn': '1024' });
  });

  it('has the standard mounts, read-only sysfs and cgroup, and masked paths', () => {
    const s = spec(input());
    expect(s.mounts.map((m: any) => m.destination)).toEqual([
      '/proc',
      '/dev',
      '/dev/pts',
      '/dev/shm',
      '/dev/mqueue',
      '/sys',
      '/sys/fs/cgroup',
    ]);
    expect(s.mounts.find((m: any) => m.destination === '/dev/shm').source).toBe('/state/p/shm');
    expect(s.mounts.find((m: any) => m.destination === '/sys').options).toContain('ro');
    expect(s.mounts.find((m: any) => m.destination === '/sys/fs/cgroup').options).toContain('ro');
    expect(s.linux.maskedPaths).toContain('/proc/kcore');
    expect(s.linux.readonlyPaths).toContain('/proc/sys');
  });

  it('adds pod mounts as bind mounts, parents first, replacing a standard one at the same place', () => {
    const s = spec(
      input(
        {},
        {
          run: {
            env: [],
            pullAuths: [],
            mounts: [
              { containerPath: '/data/sub', hostPath: '/h/sub', readOnly: false },
              { containerPath: '/data', hostPath: '/h/data', readOnly: true },
              { containerPath: '/dev/shm', hostPath: '/h/shm', readOnly: false },
            ],
          },
        },
      ),
    );
    const dests = s.mounts.map((m: any) => m.destination);
    expect(dests.filter((d: string) => d === '/dev/shm')).toHaveLength(1);
    expect(dests.indexOf('/data')).toBeLessThan(dests.indexOf('/data/sub'));
    expect(s.mounts.find((m: any) => m.destination === '/data')).toEqual({
      destination: '/data',
      type: 'bind',
      source: '/h/data',
      options: ['rbind', 'rprivate', 'ro'],
    });
    expect(s.mounts.find((m: any) => m.destination === '/dev/shm').source).toBe('/h/shm');
  });

  it('privileged: all capabilities, host devices, all devices allowed, nothing masked, sysfs writable', () => {
    const dev = { path: '/dev/sda', type: 'b' as const, major: 8, minor: 0, fileMode: 0o660, uid: 0, gid: 6 };
    const s = spec(input({ securityContext: { privileged: true } }, { hostDevices: [dev] }));
    expect(s.process.capabilities.bounding).toEqual(ALL_CAPABILITIES);
    expect(s.linux.devices).toEqual([dev]);
    expect(s.linux.resources.devices).toEqual([{ allow: true, access: 'rwm' }]);
    expect(s.linux.maskedPaths).toBeUndefined();
    expect(s.linux.readonlyPaths).toBeUndefined();
    expect(s.mounts.find((m: any) => m.destination === '/sys').options).toContain('rw');
  });
});
