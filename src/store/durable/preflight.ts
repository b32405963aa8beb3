import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";

/** LMDB's meta page magic (little-endian on disk). */
const MAGIC = 0xbeefc0de;
/**
 * Offsets inside a meta page of the LMDB that `lmdb` ships (its page header carries a txn id, so
 * the meta starts at 24): magic, then two 48-byte db records whose first holds the page size in
 * its pad field, then the last used page and the txn id.
 */
const META_AT = 24;
const PAGE_SIZE_AT = META_AT + 24;
const LAST_PAGE_AT = META_AT + 24 + 96;
const TXN_ID_AT = LAST_PAGE_AT + 8;

/** What the newest meta page says about the file. */
export interface MetaSummary {
  pageSize: number;
  lastPage: number;
  txnId: bigint;
  fileBytes: number;
}

/**
 * Checks `data.mdb` before LMDB maps it. LMDB trusts its file: a file cut short (a copy that
 * stopped half way, a disk that lost its tail) would be mapped and read past its end, which kills
 * the process with SIGBUS instead of giving an error. Returns undefined for a new data dir;
 * throws an Error that says what is wrong otherwise.
 */
export function preflight(dir: string): MetaSummary | undefined {
  const file = join(dir, "data.mdb");
  if (!existsSync(file)) return undefined;
  const fileBytes = statSync(file).size;
  if (fileBytes === 0) return undefined;
  const head = Buffer.alloc(2 * 4096);
  const fd = openSync(file, "r");
  let read: number;
  try {
    read = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const metas: MetaSummary[] = [];
  for (const at of [0, 4096]) {
    if (read < at + TXN_ID_AT + 8 || head.readUInt32LE(at + META_AT) !== MAGIC) continue;
    metas.push({
      pageSize: head.readUInt32LE(at + PAGE_SIZE_AT),
      lastPage: Number(head.readBigUInt64LE(at + LAST_PAGE_AT)),
      txnId: head.readBigUInt64LE(at + TXN_ID_AT),
      fileBytes,
    });
  }
  if (metas.length === 0) throw new Error(`${file} is not an LMDB file (no valid meta page)`);
  const newest = metas.reduce((a, b) => (b.txnId > a.txnId ? b : a));
  if (newest.pageSize < 512 || newest.pageSize > 65536) throw new Error(`${file} has a damaged meta page`);
  const needed = (newest.lastPage + 1) * newest.pageSize;
  if (fileBytes < needed) {
    throw new Error(`${file} is truncated: ${fileBytes} bytes, its last transaction needs ${needed}`);
  }
  return newest;
}
