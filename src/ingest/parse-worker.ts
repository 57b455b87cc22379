import { parentPort } from 'node:worker_threads';
import { parseDocument, type ParseRequest } from './parse';

/**
 * The worker that parses documents for ingestion: parsing and enriching a
 * large document (a 40 MB IATI file takes seconds) must not hold the event
 * loop that serves requests. Connectors are pure functions, so they run here
 * unchanged; what comes back is plain data.
 */
parentPort?.on('message', (request: ParseRequest & { id: number }) => {
  try {
    parentPort!.postMessage({ id: request.id, result: parseDocument(request) });
  } catch (error) {
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    parentPort!.postMessage({ id: request.id, error: { name, message } });
  }
});
