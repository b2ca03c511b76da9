// Re-cuts an arbitrary byte stream into pieces of the sizes asked for (file header, then 64 KiB chunks).

export class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private piece: Uint8Array = new Uint8Array(0);
  private at = 0;
  private done = false;

  constructor(src: AsyncIterable<Uint8Array>) {
    this.it = src[Symbol.asyncIterator]();
  }

  /** The next `n` bytes; shorter only at the end of the stream. A view of the incoming piece when it holds them all
   * (sources hand over fresh buffers, never reused), else a copy. */
  async read(n: number): Promise<Uint8Array> {
    if (this.piece.length - this.at >= n) {
      this.at += n;
      return this.piece.subarray(this.at - n, this.at);
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      if (this.at >= this.piece.length) {
        if (this.done) break;
        const r = await this.it.next();
        if (r.done) { this.done = true; break; }
        this.piece = r.value;
        this.at = 0;
        continue;
      }
      const take = Math.min(n - filled, this.piece.length - this.at);
      out.set(this.piece.subarray(this.at, this.at + take), filled);
      this.at += take;
      filled += take;
    }
    return filled === n ? out : out.subarray(0, filled);
  }

  /** Stops the source early (e.g. on cancel) so it can release its file handle. */
  async close(): Promise<void> {
    if (!this.done) { this.done = true; await this.it.return?.(); }
  }
}
