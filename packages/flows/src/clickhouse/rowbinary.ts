// RowBinary, ClickHouse's binary row format (18.16 and every later release): integers little-endian
// at their width, strings as a LEB128 length and the UTF-8 bytes, arrays as a LEB128 count and the
// elements. A writer fills one growable buffer that its owner reuses batch after batch.

/** Longest string (in UTF-16 units) whose UTF-8 length surely fits one length byte (< 128). */
const SHORT = 42;
const TWO_32 = 2 ** 32;

export class RowBinaryWriter {
  private buf: Buffer;
  /** Bytes written so far. */
  length = 0;

  constructor(initialBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes the buffer holds before it must grow. */
  get capacity(): number {
    return this.buf.length;
  }

  /** Starts over, keeping the buffer. */
  reset(): void {
    this.length = 0;
  }

  /** The bytes written, as a view of the buffer: valid until the next write or reset. */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v;
  }

  u16(v: number): void {
    this.room(2);
    const b = this.buf;
    let p = this.length;
    b[p++] = v & 0xff;
    b[p++] = (v >>> 8) & 0xff;
    this.length = p;
  }

  u32(v: number): void {
    this.room(4);
    const b = this.buf;
    let p = this.length;
    b[p++] = v & 0xff;
    b[p++] = (v >>> 8) & 0xff;
    b[p++] = (v >>> 16) & 0xff;
    b[p++] = (v >>> 24) & 0xff;
    this.length = p;
  }

  /** A non-negative integer up to 2^53 as UInt64. */
  u64(v: number): void {
    const high = Math.floor(v / TWO_32);
    this.u32(v - high * TWO_32);
    this.u32(high);
  }

  /** LEB128, as ClickHouse writes lengths and counts. */
  varUInt(v: number): void {
    this.room(10);
    const b = this.buf;
    let p = this.length;
    while (v >= 0x80) {
      b[p++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    b[p++] = v;
    this.length = p;
  }

  string(s: string): void {
    if (s.length <= SHORT) {
      // At most 3 bytes per unit: the length fits one byte, so write the text after it directly.
      this.room(1 + 3 * s.length);
      const n = this.buf.write(s, this.length + 1, 'utf8');
      this.buf[this.length] = n;
      this.length += 1 + n;
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.varUInt(n);
    this.room(n);
    this.buf.write(s, this.length, n, 'utf8');
    this.length += n;
  }

  strings(values: readonly string[]): void {
    this.varUInt(values.length);
    for (const s of values) this.string(s);
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
}
