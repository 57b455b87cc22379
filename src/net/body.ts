import type { IncomingMessage } from 'node:http';
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { FetchError } from './fetch-error';

export interface BodyLimits {
  /** The URL, for errors. */
  readonly url: string;
  /** Most bytes of body kept, after decoding. */
  readonly maxBytes: number;
  /** Longest silence between two chunks. */
  readonly idleTimeoutMs: number;
  /** Decode `Content-Encoding`; when false the body is kept as sent. */
  readonly decode: boolean;
  readonly signal: AbortSignal;
}

/**
 * Reads a response body into one buffer, decoded per `Content-Encoding`,
 * and never holds more than `maxBytes` of it: a `Content-Length` above the
 * cap is refused before reading, and the count of decoded bytes stops the
 * stream as soon as it passes the cap, so neither a long chunked body nor a
 * small compressed one that inflates hugely (a "zip bomb") is buffered.
 *
 * On failure the response is destroyed, which closes its socket.
 *
 * @throws FetchError `TOO_LARGE`, `TIMEOUT` (idle), `DECODING`, `ABORTED`/`TIMEOUT` (the signal's reason) or `NETWORK`
 */
export async function readBody(response: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const { url, maxBytes, signal } = limits;
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw new FetchError('TOO_LARGE', `the body is ${declared} bytes (Content-Length), more than the ${maxBytes} allowed`, { url });
  }
  const decoders = limits.decode ? decodersFor(response.headers['content-encoding'], url) : [];
  const chunks: Buffer[] = [];
  let total = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      if (total > maxBytes) {
        callback(new FetchError('TOO_LARGE', `the body grew past the ${maxBytes} bytes allowed${decoders.length ? ' once decoded' : ''}`, { url }));
        return;
      }
      chunks.push(chunk);
      callback();
    },
  });
  const onAbort = (): void => {
    response.destroy(signal.reason as Error);
  };
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await pipeline(response, new IdleWatch(limits.idleTimeoutMs, url), ...decoders, sink);
  } catch (error) {
    response.destroy();
    if (error instanceof FetchError) throw error;
    if (signal.aborted && signal.reason instanceof FetchError) throw signal.reason;
    if (decoders.some((decoder) => decoder.errored === error)) {
      throw new FetchError('DECODING', `the body is not valid ${response.headers['content-encoding']}: ${(error as Error).message}`, { url, cause: error });
    }
    throw new FetchError('NETWORK', `the connection broke while reading the body (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { url, retryable: true, cause: error });
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Decoders for a `Content-Encoding` list, in the order to apply them: the
 * codings were applied in the order listed (RFC 9110 §8.4), so they are
 * undone last first.
 */
function decodersFor(header: string | undefined, url: string): Transform[] {
  const codings = (header ?? '').split(',').map((coding) => coding.trim().toLowerCase()).filter((coding) => coding && coding !== 'identity');
  return codings.reverse().map((coding) => {
    // Lenient flushing as browsers and curl do: a body cut short at the end decodes as far as it goes.
    const lenient = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
    switch (coding) {
      case 'gzip':
      case 'x-gzip': // RFC 9110 §8.4.1.3
        return zlib.createGunzip(lenient);
      case 'deflate':
        return new DeflateDecoder();
      case 'br':
        return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
      default:
        throw new FetchError('DECODING', `the body has Content-Encoding "${coding}", which is not one of gzip, deflate and br`, { url });
    }
  });
}

/**
 * `deflate` is meant to be the zlib format (RFC 9110 §8.4.1.2, RFC 1950) but
 * some servers send raw deflate (RFC 1951); the first two bytes tell which.
 */
class DeflateDecoder extends Transform {
  private inflater: zlib.Inflate | zlib.InflateRaw | null = null;
  private head = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.inflater) {
      this.inflater.write(chunk, (error) => callback(error ?? undefined));
      return;
    }
    this.head = Buffer.concat([this.head, chunk]);
    if (this.head.length < 2) {
      callback();
      return;
    }
    this.start().write(this.head, (error) => callback(error ?? undefined));
  }

  override _flush(callback: TransformCallback): void {
    const inflater = this.inflater ?? (this.head.length > 0 ? this.start() : null);
    if (!inflater) {
      callback();
      return;
    }
    if (!this.inflater) inflater.write(this.head);
    inflater.once('end', () => callback());
    inflater.end();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inflater?.destroy();
    callback(error);
  }

  private start(): zlib.Inflate | zlib.InflateRaw {
    const [cmf, flg] = this.head;
    const zlibWrapped = (cmf & 0x0f) === 8 && ((cmf << 8) | flg) % 31 === 0;
    const options = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
    const inflater = zlibWrapped ? zlib.createInflate(options) : zlib.createInflateRaw(options);
    inflater.on('data', (chunk: Buffer) => this.push(chunk));
    inflater.on('error', (error) => this.destroy(error));
    this.inflater = inflater;
    return inflater;
  }
}

/**
 * Passes the raw body through and fails it when no chunk arrives for
 * `idleTimeoutMs`: a server that trickles or stalls must not hold a run.
 */
class IdleWatch extends Transform {
  private timer: NodeJS.Timeout;

  constructor(
    private readonly idleTimeoutMs: number,
    private readonly url: string,
  ) {
    super();
    this.timer = this.arm();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    clearTimeout(this.timer);
    this.timer = this.arm();
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    clearTimeout(this.timer);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.timer);
    callback(error);
  }

  private arm(): NodeJS.Timeout {
    return setTimeout(() => {
      this.destroy(new FetchError('TIMEOUT', `no body data for ${this.idleTimeoutMs} ms`, { url: this.url, retryable: true }));
    }, this.idleTimeoutMs);
  }
}
