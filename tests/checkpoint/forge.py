#!/usr/bin/env python3
"""forge.py CKPT MODE — rewrite a field of a checkpoint's payload with a
lie, then recompute both CRC32s, so that only the reader's bounds checks
can tell (issue 19).  The layout is runtime/checkpoint.c's: a 16-byte
start ("FPIPECKP", u32 version, u32 header_bytes), the header ending in
u64 payload_bytes, u32 payload_crc32, u32 header_crc32, then the payload.

  keylen   keyed: the first key's length (u64 at 0) becomes 2^40
  elemlen  element-wise: the first element's str length becomes 2^40
  topk     global topk(k): the count (i64 at 0 of the state) becomes 10^6
"""
import struct
import sys
import zlib

path, mode = sys.argv[1], sys.argv[2]
b = bytearray(open(path, "rb").read())
hbytes = struct.unpack_from("<I", b, 12)[0]
pay = hbytes
if mode == "keylen":
    struct.pack_into("<Q", b, pay, 1 << 40)
elif mode == "elemlen":
    nparts = struct.unpack_from("<Q", b, pay)[0]
    struct.pack_into("<Q", b, pay + 8 + 24 * nparts, 1 << 40)
elif mode == "topk":
    struct.pack_into("<q", b, pay, 10**6)
else:
    sys.exit("forge.py: unknown mode " + mode)
struct.pack_into("<I", b, hbytes - 8, zlib.crc32(bytes(b[hbytes:])))
struct.pack_into("<I", b, hbytes - 4, zlib.crc32(bytes(b[:hbytes - 4])))
open(path, "wb").write(b)
