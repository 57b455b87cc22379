import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { UpsertInput } from '../store/upsert';
import { DocumentError, type EntryError, type FetchedDocument, type ListingSize, type RunContext } from './connector';
import { CONNECTORS, type IngestKind } from './connectors';
import { enrich } from './enrich';

/** One document to parse, with what enrichment needs. */
export interface ParseRequest {
  readonly kind: IngestKind;
  readonly document: FetchedDocument;
  readonly context: RunContext;
  readonly fetchedAt: Date;
  readonly memberCodes: readonly string[];
}

/** A parsed document: the items to write and what the connector said besides. */
export interface ParsedDocument {
  readonly inputs: UpsertInput[];
  readonly errors: EntryError[];
  readonly next: string[];
  readonly complete: boolean;
  readonly incomplete: string | null;
  readonly listing: ListingSize | null;
  readonly withdrawn: string[];
}

/** Parses and enriches one document (the worker runs this; so do tests and tools, inline). */
export function parseDocument(request: ParseRequest): ParsedDocument {
  const document = { ...request.document, body: Buffer.from(request.document.body) };
  const result = CONNECTORS[request.kind].parse(document, request.context);
  const { inputs, errors } = enrich(result.items, {
    sourceName: request.context.source.name,
    kind: request.kind,
    documentUrl: document.url,
    fetchedAt: request.fetchedAt,
    memberCodes: new Set(request.memberCodes),
  });
  return {
    inputs,
    errors: [...result.errors, ...errors],
    next: [...(result.next ?? [])],
    complete: result.complete ?? false,
    incomplete: result.incomplete ?? null,
    listing: result.listing ?? null,
    withdrawn: [...(result.withdrawn ?? [])],
  };
}

/**
 * Parses documents on a worker thread, one at a time, so that a long parse
 * never stalls the requests the process serves. The worker starts with the
 * first document and does not keep the process alive.
 */
export class DocumentParser {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (result: ParsedDocument) => void; reject: (error: Error) => void }>();

  /** @param inline parse on the calling thread instead (tools that do nothing else meanwhile). */
  constructor(private readonly inline = false) {}

  parse(request: ParseRequest): Promise<ParsedDocument> {
    if (this.inline) {
      try {
        return Promise.resolve(parseDocument(request));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...request, id });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(path.join(__dirname, 'parse-worker.js'));
    worker.unref();
    worker.on('message', (message: { id: number; result?: ParsedDocument; error?: { name: string; message: string } }) => {
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (this.pending.size === 0) worker.unref();
      if (message.error) waiting.reject(message.error.name === 'DocumentError' ? new DocumentError(message.error.message) : new Error(message.error.message));
      else waiting.resolve(message.result!);
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => code !== 0 && this.fail(new Error(`the parsing worker stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private fail(error: Error): void {
    this.worker = null;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
