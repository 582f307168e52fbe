/**
 * `skiff image import|ls|rm`: the node's image store (<data-dir>/agent/images) by hand, like
 * `ctr images import` and `crictl images|rmi`. Safe beside a running agent: the store only ever
 * renames finished files into place.
 */
import { join, resolve } from 'node:path';
import { ImageStore, type LocalImage } from '../agent/images/image-store.js';
import { parseImageReference } from '../agent/images/reference.js';
import { type Command, defaultDataDir, parseFlags, UsageError } from './command.js';

const help = `Manage the container images of this node.

Usage:
  skiff image import FILE...   load images from docker-archive or oci-archive tarballs
  skiff image ls               list images (IMAGE, TAG, IMAGE ID, SIZE)
  skiff image rm REF...        remove images by name or id (refused while a container uses one)

Flags:
  --data-dir DIR   the node's data directory (default $SKIFF_DATA_DIR or ~/.skiff);
                   images live in DIR/agent/images
  -h, --help       this help
`;

/** The image store of a data directory. */
export function imageStoreRoot(dataDir: string): string {
  return join(dataDir, 'agent', 'images');
}

/** Sizes as crictl prints them: decimal units, three significant digits. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < units.length - 1) {
    size /= 1000;
    i++;
  }
  return `${Number(size.toPrecision(3))}${units[i]}`;
}

/** One row per name (and one `<none>` row for an unnamed image), as `crictl images`. */
export function imageRows(images: LocalImage[]): string[][] {
  const rows: string[][] = [];
  for (const img of images) {
    const id = img.id.replace(/^sha256:/, '').slice(0, 13);
    const size = humanSize(img.size);
    if (img.refs.length === 0) {
      const repo = img.repoDigests[0]?.split('@')[0] ?? '<none>';
      rows.push([repo, '<none>', id, size]);
      continue;
    }
    for (const ref of img.refs) {
      const r = parseImageReference(ref);
      rows.push([r.name, r.tag ?? '<none>', id, size]);
    }
  }
  return rows.sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));
}

/** Columns as crictl's tabwriter lays them out: at least 20 wide, 3 spaces after the widest cell. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(Math.max(20, widths[i] + 3))))
      .join('')
      .trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}

export const imageCommand: Command = {
  name: 'image',
  summary: 'Manage node images (import, ls, rm)',
  async run(args) {
    const parsed = parseFlags(args, { 'data-dir': { type: 'string' } }, help);
    if (!parsed) return 0;
    const [verb, ...rest] = parsed.positionals;
    const store = new ImageStore({
      root: imageStoreRoot(resolve(parsed.values['data-dir'] ?? defaultDataDir())),
    });
    switch (verb) {
      case 'import': {
        if (rest.length === 0) throw new UsageError('import: expected FILE');
        for (const file of rest) {
          for (const img of await store.importArchive(file)) {
            if (img.refs.length === 0) process.stdout.write(`Loaded image ID: ${img.id}\n`);
            for (const ref of img.refs) process.stdout.write(`Loaded image: ${ref}\n`);
          }
        }
        return 0;
      }
      case 'ls':
      case 'list': {
        if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`);
        process.stdout.write(
          formatTable(['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'], imageRows(await store.list())),
        );
        return 0;
      }
      case 'rm':
      case 'remove': {
        if (rest.length === 0) throw new UsageError('rm: expected REF');
        for (const ref of rest) {
          const img = await store.remove(ref);
          const names = img.refs.length ? img.refs : [img.id];
          for (const name of names) process.stdout.write(`Deleted: ${name}\n`);
        }
        return 0;
      }
      case undefined:
        throw new UsageError("expected a subcommand: import, ls or rm (see 'skiff image --help')");
      default:
        throw new UsageError(`unknown subcommand "${verb}" (import, ls or rm)`);
    }
  },
};
