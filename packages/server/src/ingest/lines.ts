// Reads a request body as lines while it arrives, with a hard byte limit that holds however the body
// is framed (Content-Length or chunked): the body is never held whole as one string.

/** Why reading stopped before the end of the body. */
export type LinesStop =
  | { code: 'too-large'; limit: number }
  | { code: 'line-too-long'; line: number; limit: number }
  | { code: 'aborted' };

export interface LineLimits {
  /** Bytes of the whole body. */
  maxBytes: number;
  /** Bytes of one line (without its newline). */
  maxLineBytes: number;
}

/**
 * Calls `onLine(text, number)` for every non-blank line (1-based numbers, `\r\n` accepted); blank
 * lines are counted but not passed. Resolves with undefined at the end of the body, or with the reason it stopped early;
 * on a stop the rest of the body is cancelled, not read.
 */
export async function readLines(
  body: ReadableStream<Uint8Array> | null,
  limits: LineLimits,
  onLine: (text: string, line: number) => void,
): Promise<LinesStop | undefined> {
  if (body === null) return undefined;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let total = 0;
  let line = 0;
  /** Bytes of the current, unfinished line. */
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const emit = (parts: Uint8Array[]) => {
    line++;
    if (parts.length === 0) return;
    let text = parts.length === 1 ? decoder.decode(parts[0]) : decoder.decode(Buffer.concat(parts));
    if (text.endsWith('\r')) text = text.slice(0, -1);
    onLine(text, line);
  };
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch {
        return { code: 'aborted' };
      }
      if (chunk.done) break;
      const bytes = chunk.value;
      total += bytes.byteLength;
      if (total > limits.maxBytes) return { code: 'too-large', limit: limits.maxBytes };
      let start = 0;
      for (;;) {
        const nl = bytes.indexOf(10, start);
        const end = nl === -1 ? bytes.byteLength : nl;
        if (pendingBytes + (end - start) > limits.maxLineBytes) {
          return { code: 'line-too-long', line: line + 1, limit: limits.maxLineBytes };
        }
        if (nl === -1) {
          if (end > start) {
            pending.push(bytes.subarray(start, end));
            pendingBytes += end - start;
          }
          break;
        }
        if (nl > start) pending.push(bytes.subarray(start, nl));
        emit(pending);
        pending = [];
        pendingBytes = 0;
        start = nl + 1;
      }
    }
    if (pendingBytes > 0) emit(pending);
    return undefined;
  } finally {
    reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
