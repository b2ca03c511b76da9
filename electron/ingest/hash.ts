// MD5 + SHA-1 + SHA-256 fed by the same chunks, so every file is read once.
import crypto from 'node:crypto';

export interface FileHashes { md5: string; sha1: string; sha256: string }

export class MultiHasher {
  private readonly md5 = crypto.createHash('md5');
  private readonly sha1 = crypto.createHash('sha1');
  private readonly sha256 = crypto.createHash('sha256');
  bytes = 0;

  update(chunk: Uint8Array): void {
    this.md5.update(chunk);
    this.sha1.update(chunk);
    this.sha256.update(chunk);
    this.bytes += chunk.length;
  }

  digest(): FileHashes {
    return { md5: this.md5.digest('hex'), sha1: this.sha1.digest('hex'), sha256: this.sha256.digest('hex') };
  }
}
