/**
 * The spool's on-disk record: a fixed header, then the payload (rows in the store's insert
 * format, one per line). The CRC covers the header fields and the payload, so a torn write at
 * a crash is told apart from a good frame on replay.
 *
 *   offset  size  field
 *   0       4     magic "GPSF"
 *   4       4     payload length (bytes, LE)
 *   8       8     frame sequence number (LE, < 2^53)
 *   16      4     rows in the payload
 *   20      8     appended at, ms since epoch (LE)
 *   28      4     CRC-32 of bytes 4..28 and the payload
 */
import zlib from 'node:zlib'

export const HEADER_BYTES = 32
const MAGIC = 0x46535047 // "GPSF" read as little-endian u32

export interface FrameHeader {
  seq: number
  rows: number
  length: number
  appendedAt: number
}

/** The header of a frame whose payload is the concatenation of `payload` (written with writev, never copied). */
export function encodeHeader(h: FrameHeader, payload: readonly Buffer[]): Buffer {
  const b = Buffer.allocUnsafe(HEADER_BYTES)
  b.writeUInt32LE(MAGIC, 0)
  b.writeUInt32LE(h.length, 4)
  b.writeBigUInt64LE(BigInt(h.seq), 8)
  b.writeUInt32LE(h.rows, 16)
  b.writeBigUInt64LE(BigInt(h.appendedAt), 20)
  let crc = zlib.crc32(b.subarray(4, 28))
  for (const p of payload) crc = zlib.crc32(p, crc)
  b.writeUInt32LE(crc, 28)
  return b
}

/** The header at the start of `b`, or undefined when it is not a frame header (torn or foreign bytes). */
export function decodeHeader(b: Buffer): FrameHeader | undefined {
  if (b.length < HEADER_BYTES || b.readUInt32LE(0) !== MAGIC) return undefined
  return {
    length: b.readUInt32LE(4),
    seq: Number(b.readBigUInt64LE(8)),
    rows: b.readUInt32LE(16),
    appendedAt: Number(b.readBigUInt64LE(20)),
  }
}

/** Whether the payload read for `header` is the one that was written. */
export function checkFrame(header: Buffer, payload: Buffer): boolean {
  return zlib.crc32(payload, zlib.crc32(header.subarray(4, 28))) === header.readUInt32LE(28)
}
