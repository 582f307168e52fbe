/**
 * Writes the few tar entries whiteout conversion needs (directories carrying extended attributes,
 * character devices) so GNU tar can create them: Node has no mknod or setxattr, tar has both.
 */

export interface TarEntry {
  path: string;
  type: 'directory' | 'char';
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  devmajor?: number;
  devminor?: number;
  /** Extended attributes, written as SCHILY.xattr.* PAX records. */
  xattrs?: Record<string, string>;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, typeflag: string, size: number, e: Omit<TarEntry, 'path' | 'type'>): Buffer {
  const h = Buffer.alloc(BLOCK);
  // Long names travel in the PAX record; the ustar field gets a stub.
  h.write(Buffer.byteLength(name) <= 100 ? name : name.slice(0, 99), 0, 100, 'utf8');
  h.write(octal(e.mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(e.uid, 8), 108, 'ascii');
  h.write(octal(e.gid, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.floor(e.mtime), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(typeflag, 156, 'ascii');
  h.write('ustar\x0000', 257, 'ascii');
  h.write(octal(e.devmajor ?? 0, 8), 329, 'ascii');
  h.write(octal(e.devminor ?? 0, 8), 337, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** One PAX record: "<len> key=value\n", where len counts itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len)
    len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

function padded(data: Buffer): Buffer {
  const rest = data.length % BLOCK;
  return rest ? Buffer.concat([data, Buffer.alloc(BLOCK - rest)]) : data;
}

/** A complete tar archive (with its end-of-archive blocks) holding these entries. */
export function buildTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const name = e.type === 'directory' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
    let pax = '';
    if (Buffer.byteLength(name) > 100) pax += paxRecord('path', name);
    for (const [k, v] of Object.entries(e.xattrs ?? {})) pax += paxRecord(`SCHILY.xattr.${k}`, v);
    if (pax) {
      const body = Buffer.from(pax, 'utf8');
      parts.push(header('PaxHeader', 'x', body.length, { ...e, mode: 0o644 }), padded(body));
    }
    parts.push(header(name, e.type === 'directory' ? '5' : '3', 0, e));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
