/**
 * mount(2) and umount2(2) without a process per call. Node has no binding for them, and
 * spawning mount(8) from a large Node process costs 5 to 25 ms (fork and exec, more under load),
 * most of a pod start's budget for its rootfs. So one small coprocess makes the system calls:
 * perl, because Debian always has it (perl-base is Essential) and its `syscall` needs no
 * compiler. Requests are tab-separated lines, answered "OK" or "ERR <errno> <text>", one at a
 * time. Where the architecture's syscall numbers are unknown or perl is missing, mount(8) and
 * umount(8) are spawned instead.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { arch } from 'node:os';

const SYSCALLS: Record<string, { mount: number; umount2: number; unshare: number }> = {
  x64: { mount: 165, umount2: 166, unshare: 272 },
  arm64: { mount: 40, umount2: 39, unshare: 97 },
};

/** mount(2) flags. */
export const MS_NOSUID = 2;
export const MS_NODEV = 4;
export const MS_NOEXEC = 8;
const MS_BIND = 4096;
/** unshare(2) flags for the namespaces a pod shares without a pause container. */
const CLONE_NEWUTS = 0x04000000;
const CLONE_NEWIPC = 0x08000000;

/** umount2 flag: detach now, clean up when no longer busy. */
export const MNT_DETACH = 2;

const SCRIPT = `
use strict; $| = 1;
my ($sys_mount, $sys_umount2, $sys_unshare) = @ARGV;
while (my $line = <STDIN>) {
  chomp $line;
  my @f = split /\\t/, $line, -1;
  my $op = shift @f;
  my $r;
  if ($op eq 'M') {
    my ($cwd, $src, $target, $type, $data, $flags) = @f;
    unless (chdir $cwd) { print "ERR ", $! + 0, " $!\\n"; next; }
    $r = syscall($sys_mount, $src, $target, $type, ($flags // 0) + 0, $data);
  } elsif ($op eq 'N') {
    # New namespaces for this helper, each kept alive by a bind mount of its nsfs file (the
    # helper itself only makes mount calls, which UTS and IPC namespaces do not affect).
    my ($flags, @binds) = @f;
    $r = syscall($sys_unshare, $flags + 0);
    for my $b (@binds) {
      last if $r == -1;
      my ($kind, $path) = split /=/, $b, 2;
      my ($src, $none) = ("/proc/self/ns/$kind", "");  # syscall needs writable strings
      $r = syscall($sys_mount, $src, $path, $none, ${MS_BIND}, 0);
    }
  } elsif ($op eq 'U') {
    $r = syscall($sys_umount2, $f[0], $f[1] + 0);
  } else {
    print "ERR 22 bad request\\n"; next;
  }
  if ($r == -1) { print "ERR ", $! + 0, " $!\\n" } else { print "OK\\n" }
}
`;

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  16: 'EBUSY',
  20: 'ENOTDIR',
  22: 'EINVAL',
};

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

class Coprocess {
  private child?: ChildProcess;
  private buffer = '';
  private readonly queue: Pending[] = [];

  constructor(private readonly numbers: { mount: number; umount2: number; unshare: number }) {}

  private start(): ChildProcess {
    const n = this.numbers;
    const child = spawn('perl', ['-e', SCRIPT, String(n.mount), String(n.umount2), String(n.unshare)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        const p = this.queue.shift();
        if (!p) continue;
        if (line === 'OK') p.resolve();
        else {
          const m = /^ERR (\d+) (.*)$/.exec(line);
          const errno = m ? Number(m[1]) : 0;
          p.reject(
            Object.assign(new Error(m ? m[2] : line), { code: ERRNO_NAMES[errno] ?? `errno ${errno}` }),
          );
        }
        if (this.queue.length === 0) this.idle();
      }
    });
    const fail = (err: Error) => {
      this.child = undefined;
      this.buffer = '';
      for (const p of this.queue.splice(0)) p.reject(err);
    };
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`mount helper exited (${signal ?? code})`)));
    child.stdin!.on('error', () => {});
    this.child = child;
    return child;
  }

  /** The helper must not keep the process alive while nothing waits for it. */
  private idle(): void {
    this.child?.unref();
    (this.child?.stdout as Socket | undefined)?.unref();
    (this.child?.stdin as Socket | undefined)?.unref();
  }

  call(fields: string[]): Promise<void> {
    if (fields.some((f) => /[\t\n]/.test(f)))
      return Promise.reject(new Error('tab or newline in a mount argument'));
    const child = this.child ?? this.start();
    child.ref();
    (child.stdout as Socket).ref();
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      child.stdin!.write(`${fields.join('\t')}\n`);
    });
  }

  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }
}

const numbers = SYSCALLS[arch()];
const helper = numbers && existsSync('/usr/bin/perl') ? new Coprocess(numbers) : undefined;

function run(cmd: string, args: string[], cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: 60_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      reject(new Error(String(stderr).trim().split('\n').pop() || err.message));
    });
  });
}

/** mount(2) of `fstype` at `target` with `data` and MS_* `flags`; relative paths resolve from `cwd`. */
export function mountFs(
  fstype: string,
  source: string,
  target: string,
  data: string,
  cwd: string,
  flags = 0,
): Promise<void> {
  if (helper) return helper.call(['M', cwd, source, target, fstype, data, String(flags)]);
  const names = [
    [MS_NOSUID, 'nosuid'],
    [MS_NODEV, 'nodev'],
    [MS_NOEXEC, 'noexec'],
  ] as const;
  const options = [...names.filter(([f]) => flags & f).map(([, n]) => n), data].filter(Boolean).join(',');
  return run('mount', ['-t', fstype, source, '-o', options, target], cwd);
}

/**
 * New UTS and IPC namespaces, kept alive by bind mounts over the files `uts` and `ipc` (which
 * must exist): what a pod's containers join to share a hostname and IPC without a pause process.
 */
export function newPodNamespaces(uts: string, ipc: string): Promise<void> {
  if (helper) return helper.call(['N', String(CLONE_NEWUTS | CLONE_NEWIPC), `uts=${uts}`, `ipc=${ipc}`]);
  return run('unshare', [`--uts=${uts}`, `--ipc=${ipc}`, 'true']);
}

/** umount2(2); `flags` MNT_DETACH for a lazy unmount. */
export function unmountFs(target: string, flags = 0): Promise<void> {
  if (helper) return helper.call(['U', target, String(flags)]);
  return run('umount', flags & MNT_DETACH ? ['-l', target] : [target]);
}

/** Stops the helper (it also ends by itself when this process exits). */
export function closeMountHelper(): void {
  helper?.close();
}
