import net from 'node:net';

/** One HTTP/1.1 response read off a raw socket. */
export interface RawHttpResponse {
  readonly status: number;
  /** Header names in lowercase. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * A raw TCP connection to an HTTP server, for what `fetch` hides: reusing one
 * socket across requests, sending bytes one at a time, seeing when the server
 * closes the socket and what it wrote before.
 */
export class RawConnection {
  /** Everything the server sent, as text. */
  received = '';
  /** `performance.now()` when the server closed the socket (or it failed); undefined while open. */
  closedAt: number | undefined;
  readonly closed: Promise<void>;
  private consumed = 0;
  private waiting: (() => void) | null = null;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.received += chunk;
      this.wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.closedAt = performance.now();
        this.wake();
        resolve();
      }),
    );
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
    });
  }

  /** What the server sent after the last response read with {@link nextResponse}. */
  get unread(): string {
    return this.received.slice(this.consumed);
  }

  get open(): boolean {
    return this.closedAt === undefined && !this.socket.destroyed;
  }

  write(text: string): void {
    this.socket.write(text, 'latin1');
  }

  /** Sends `text` one byte every `intervalMs`, until it is all sent or the socket closes; resolves with how many bytes went out. */
  async trickle(text: string, intervalMs: number): Promise<number> {
    let sent = 0;
    while (sent < text.length && this.open) {
      this.write(text[sent++]);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    return sent;
  }

  /** The next complete response (with Content-Length or chunked); rejects if the socket closes first. */
  async nextResponse(): Promise<RawHttpResponse> {
    for (;;) {
      const rest = this.received.slice(this.consumed);
      const end = rest.indexOf('\r\n\r\n');
      if (end >= 0) {
        const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const body = headers['transfer-encoding'] === 'chunked' ? dechunk(rest, end + 4) : fixedLength(rest, end + 4, Number(headers['content-length'] ?? 0));
        if (body) {
          this.consumed += body.end;
          return { status: Number(statusLine.split(' ')[1]), headers, body: Buffer.from(body.text, 'latin1').toString('utf8') };
        }
      }
      if (!this.open) throw new Error(`the socket closed before a whole response arrived: ${JSON.stringify(rest)}`);
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }
}

/** A body of `length` bytes from `start`, or null while incomplete. */
function fixedLength(text: string, start: number, length: number): { text: string; end: number } | null {
  return text.length >= start + length ? { text: text.slice(start, start + length), end: start + length } : null;
}

/** A chunked body from `start` (RFC 9112 §7.1, without trailers), or null while incomplete. */
function dechunk(text: string, start: number): { text: string; end: number } | null {
  let at = start;
  let body = '';
  for (;;) {
    const lineEnd = text.indexOf('\r\n', at);
    if (lineEnd < 0) return null;
    const size = parseInt(text.slice(at, lineEnd).split(';')[0], 16);
    if (Number.isNaN(size)) throw new Error(`bad chunk size: ${JSON.stringify(text.slice(at, lineEnd))}`);
    const dataStart = lineEnd + 2;
    if (text.length < dataStart + size + 2) return null;
    if (size === 0) return { text: body, end: dataStart + 2 };
    body += text.slice(dataStart, dataStart + size);
    at = dataStart + size + 2;
  }
}
