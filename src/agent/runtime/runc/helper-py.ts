/**
 * A small Python helper for the three things Node's standard library cannot do with sockets and
 * terminals, run with `python3 -c HELPER_SOURCE <mode> ...`:
 * - `tty ARGV...`: runs ARGV (`runc exec -t ...`) on a new pseudo-terminal and relays stdin/stdout
 *   to its master; lines "COLS ROWS" on fd 3 resize it. runc, given a terminal as its stdin,
 *   allocates the container's own pty and copies between the two, forwarding SIGWINCH.
 * - `attach BUNDLE STDIN`: connects to conmon's attach socket (SOCK_SEQPACKET, which Node's net
 *   cannot open) at BUNDLE/attach and relays: stdin as packets (when STDIN is 1), output as frames
 *   of [stream byte][4-byte big-endian length][data] on stdout (conmon's numbers: 2 = stdout,
 *   3 = stderr).
 * - `forward HOST PORT`: one TCP connection (run under nsenter, from inside the pod's network
 *   namespace): writes "O" then relays, or "E<message>" and exits 1 when the connect fails.
 */
export const HELPER_SOURCE = String.raw`
import os, sys, socket, select, struct, fcntl, termios, tty, subprocess, signal

def write_all(fd, data):
    while data:
        n = os.write(fd, data)
        data = data[n:]

def run_tty(argv):
    master, slave = os.openpty()
    tty.setraw(slave)
    def child_setup():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, preexec_fn=child_setup, close_fds=True)
    os.close(slave)
    signal.signal(signal.SIGTERM, lambda *a: p.send_signal(signal.SIGTERM))
    inputs = [master, 0]
    try:
        os.fstat(3)
        inputs.append(3)
    except OSError:
        pass
    pending = b''
    while True:
        r, _, _ = select.select(inputs, [], [])
        if master in r:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b''
            if not data:
                break
            write_all(1, data)
        if 0 in r:
            data = os.read(0, 65536)
            if data:
                write_all(master, data)
            else:
                inputs.remove(0)
                write_all(master, b'\x04')
        if 3 in r:
            data = os.read(3, 4096)
            if not data:
                inputs.remove(3)
                continue
            pending += data
            while b'\n' in pending:
                line, pending = pending.split(b'\n', 1)
                parts = line.split()
                if len(parts) == 2:
                    cols, rows = int(parts[0]), int(parts[1])
                    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    code = p.wait()
    sys.exit(code if code >= 0 else 128 - code)

def attach(bundle, with_stdin):
    d = os.open(bundle, os.O_PATH)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    # /proc/self/fd/N/attach sidesteps the 108-byte limit of socket paths.
    s.connect('/proc/self/fd/%d/attach' % d)
    inputs = [s] + ([0] if with_stdin else [])
    while True:
        r, _, _ = select.select(inputs, [], [])
        if s in r:
            data = s.recv(65536)
            if not data:
                break
            write_all(1, struct.pack('>BI', data[0], len(data) - 1) + data[1:])
        if 0 in r:
            data = os.read(0, 8000)
            if data:
                s.send(data)
            else:
                inputs.remove(0)
                s.shutdown(socket.SHUT_WR)

def forward(host, port):
    try:
        s = socket.create_connection((host, int(port)), timeout=10)
    except OSError as e:
        write_all(1, ('E' + (e.strerror or str(e))).encode())
        sys.exit(1)
    s.settimeout(None)
    write_all(1, b'O')
    inputs = [s, 0]
    while inputs:
        r, _, _ = select.select(inputs, [], [])
        if s in r:
            try:
                data = s.recv(65536)
            except OSError:
                data = b''
            if not data:
                break
            write_all(1, data)
        if 0 in r:
            data = os.read(0, 65536)
            if data:
                s.sendall(data)
            else:
                inputs.remove(0)
                s.shutdown(socket.SHUT_WR)

mode = sys.argv[1]
try:
    if mode == 'tty':
        run_tty(sys.argv[2:])
    elif mode == 'attach':
        attach(sys.argv[2], sys.argv[3] == '1')
    elif mode == 'forward':
        forward(sys.argv[2], sys.argv[3])
except (BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
    sys.exit(0)
except OSError as e:
    sys.stderr.write('%s\n' % e)
    sys.exit(1)
`;
