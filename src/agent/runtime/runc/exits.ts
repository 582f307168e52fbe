/**
 * Exit detection: conmon writes <exit-dir>/<container id> (the exit status) once the container
 * has exited and its output is drained. An inotify watch on that one directory reports exits at
 * once; a slow poll of the directory is the safety net for events inotify can drop (overflow,
 * a watch set up after the file appeared).
 */
import { type FSWatcher, watch } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

const CONTAINER_ID = /^[0-9a-f]{64}$/;

export class ExitWatcher {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly onExit: (id: string) => void,
    private readonly pollMs = 3000,
  ) {}

  start(): void {
    this.watcher = watch(this.dir, (_event, name) => {
      if (name && CONTAINER_ID.test(String(name))) this.onExit(String(name));
    });
    this.watcher.on('error', () => {
      // The poll keeps finding exits if the watch breaks.
    });
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  /** Reports every exit file present now. */
  async poll(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    for (const name of names) if (CONTAINER_ID.test(name)) this.onExit(name);
  }

  close(): void {
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
  }
}

/** A container's exit as conmon recorded it: status and when (the exit file's mtime). */
export async function readExit(
  exitDir: string,
  bundle: string,
  id: string,
): Promise<{ code: number; at: Date } | undefined> {
  // The exit dir is written last; the persist dir's copy survives if the former was cleaned.
  for (const file of [join(exitDir, id), join(bundle, 'exit')]) {
    try {
      const text = (await readFile(file, 'utf8')).trim();
      if (text === '') continue;
      const code = Number(text);
      if (!Number.isInteger(code)) continue;
      return { code, at: (await stat(file)).mtime };
    } catch {
      // not there
    }
  }
  return undefined;
}
