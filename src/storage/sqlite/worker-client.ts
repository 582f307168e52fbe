/**
 * The store's side of the writer worker: sends commit/compact/close requests to the worker thread
 * and settles each request's promise from the worker's reply. A commit's reply comes only after
 * its COMMIT returned, so a resolved commit is durable.
 *
 * The worker is referenced (keeps the process alive) only while a request is outstanding: an idle
 * store holds the process open no more than the in-thread store, which owns no handle at all.
 */
import { Worker } from 'node:worker_threads';
import type { WriteOp } from './apply.js';
import type { BatchResult, BatchWriter } from './writer.js';

/** A request to the worker; `id` pairs it with its reply. */
export type WriterRequest =
  | { type: 'commit'; id: number; ops: WriteOp[] }
  | { type: 'compact'; id: number; revision: number }
  | { type: 'close'; id: number };

/** The worker's answer to one request: a commit's result, or why the request failed. */
export type WriterReply =
  | { id: number; ok: true; result?: BatchResult }
  | { id: number; ok: false; error: string };

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Waiter {
  resolve(result: BatchResult | undefined): void;
  reject(err: Error): void;
}

/** A BatchWriter running on a worker thread with its own connection to the database file. */
export class WorkerWriter implements BatchWriter {
  readonly concurrent = true;
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiter>();
  private readonly exited: Promise<void>;
  private nextId = 1;
  private failure: Error | undefined;

  constructor(path: string, script: URL) {
    this.worker = new Worker(script, { workerData: { path } });
    this.worker.unref();
    this.worker.on('message', (reply: WriterReply) => this.onReply(reply));
    this.worker.on('error', (err) => this.fail(err));
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.fail(new Error(`sqlite writer worker exited with code ${code}`));
        resolve();
      });
    });
  }

  async commit(ops: WriteOp[]): Promise<BatchResult> {
    const result = (await this.request({ type: 'commit', ops }))!;
    // The worker leaves out the values of creates and updates (they are the ones sent): the
    // event's kv is the same object, so this restores both.
    ops.forEach((op, i) => {
      const r = result.results[i];
      if (op.kind !== 'delete' && r.ok) r.applied.kv.value = op.value;
    });
    return result;
  }

  async compact(revision: number): Promise<void> {
    await this.request({ type: 'compact', revision });
  }

  /** Lets the worker finish what it was sent, close its connection, then ends the thread. */
  async close(): Promise<void> {
    if (!this.failure) {
      await this.request({ type: 'close' });
      this.fail(new Error('sqlite writer closed'));
      await this.worker.terminate();
    }
    await this.exited;
  }

  private request(message: Distribute<WriterRequest>): Promise<BatchResult | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      if (this.waiting.size === 1) this.worker.ref();
      this.worker.postMessage({ ...message, id } as WriterRequest);
    });
  }

  private onReply(reply: WriterReply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (reply.ok) waiter.resolve(reply.result);
    else waiter.reject(new Error(reply.error));
  }

  /** The worker is gone (or closing): fails what is outstanding and every later request. */
  private fail(err: Error): void {
    this.failure ??= err;
    const waiters = [...this.waiting.values()];
    this.waiting.clear();
    this.worker.unref();
    for (const waiter of waiters) waiter.reject(this.failure);
  }
}
