"""An independent TensorFlow tensor-bundle reader (variables.index + data
shard) for tests: LevelDB table footer/index/data blocks and the
BundleEntryProto fields dtype(1) shape(2) shard_id(3) offset(4) size(5)
crc32c(6), decoded by hand. Only float32 entries are returned as arrays.
"""
import struct

import numpy as np


def _varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if not c & 0x80:
            return v, i


def _fields(b):
    i, out = 0, []
    while i < len(b):
        key, i = _varint(b, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(b, i)
        elif wt == 2:
            n, i = _varint(b, i)
            v, i = b[i:i + n], i + n
        elif wt == 5:
            v, i = struct.unpack_from("<I", b, i)[0], i + 4
        elif wt == 1:
            v, i = struct.unpack_from("<Q", b, i)[0], i + 8
        else:
            raise ValueError("wire type %d" % wt)
        out.append((f, v))
    return out


def _block(buf, off, size):
    blk = buf[off:off + size]
    nr = struct.unpack_from("<I", blk, len(blk) - 4)[0]
    end = len(blk) - 4 - 4 * nr
    i, key, out = 0, b"", []
    while i < end:
        shared, i = _varint(blk, i)
        nonshared, i = _varint(blk, i)
        vlen, i = _varint(blk, i)
        key = key[:shared] + blk[i:i + nonshared]
        i += nonshared
        out.append((key, blk[i:i + vlen]))
        i += vlen
    return out


def read_bundle(prefix):
    """{key: float32 array} of every float32 tensor in the bundle."""
    buf = open(prefix + ".index", "rb").read()
    foot = buf[-48:]
    assert struct.unpack_from("<Q", foot, 40)[0] == 0xDB4775248B80FB57, "bad table magic"
    i = 0
    _, i = _varint(foot, i)
    _, i = _varint(foot, i)
    ioff, i = _varint(foot, i)
    isize, i = _varint(foot, i)
    entries = {}
    for _, handle in _block(buf, ioff, isize):
        off, j = _varint(handle, 0)
        size, j = _varint(handle, j)
        for k, v in _block(buf, off, size):
            if k:
                entries[k.decode()] = dict(_fields(v))
    shards, out = {}, {}
    for k, e in entries.items():
        if e.get(1, 0) != 1:
            continue
        dims = [dict(_fields(d)).get(1, 0) for f, d in _fields(e.get(2, b"")) if f == 2]
        sid = e.get(3, 0)
        if sid not in shards:
            import glob
            shards[sid] = open(glob.glob("%s.data-%05d-of-*" % (prefix, sid))[0], "rb").read()
        off, size = e.get(4, 0), e.get(5, 0)
        out[k] = np.frombuffer(shards[sid][off:off + size], "<f4").reshape(dims)
    return out
