/**
 * Entry point of the sqlite writer worker thread (bundled as dist/sqlite-writer.mjs, or built from
 * sources by worker-script.ts). It owns the store's only read-write connection, so every fsync
 * blocks this thread instead of the API server's event loop. Requests are handled one at a time,
 * in arrival order; compaction yields between chunks so commits can run in between.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, prepareStatements } from './schema.js';
import type { WriterReply, WriterRequest } from './worker-client.js';
import { Writer } from './writer.js';

const port = parentPort;
if (!port) throw new Error('writer-worker.ts must run as a worker thread');

const { path } = workerData as { path: string };
const db = openDatabase(path);
const writer = new Writer(prepareStatements(db));

const reply = (message: WriterReply) => port.postMessage(message);
const failure = (id: number, err: unknown): WriterReply => ({
  id,
  ok: false,
  error: err instanceof Error ? err.message : String(err),
});

port.on('message', (request: WriterRequest) => {
  const { id } = request;
  switch (request.type) {
    case 'commit':
      try {
        const result = writer.commit(request.ops);
        // The store holds the value it sent with each create and update: do not copy it back
        // (worker-client.ts puts it back). A delete's value came from the database and stays.
        request.ops.forEach((op, i) => {
          const r = result.results[i];
          if (op.kind !== 'delete' && r.ok) r.applied.kv.value = '';
        });
        reply({ id, ok: true, result });
      } catch (err) {
        reply(failure(id, err));
      }
      return;
    case 'compact':
      writer.compact(request.revision).then(
        () => reply({ id, ok: true }),
        (err) => reply(failure(id, err)),
      );
      return;
    case 'close':
      void writer.stop().then(() => {
        db.close();
        reply({ id, ok: true });
      });
      return;
  }
});
