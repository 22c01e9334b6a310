/*
 * NumPy .npz archives: a ZIP file whose members are .npy files
 * (np.savez stores them, np.savez_compressed deflates them).
 *
 * We read the ZIP ourselves with zlib for the deflate streams, rather than
 * with libzip: zlib is already linked for PNG, the subset numpy writes is
 * small (stored and deflate members, ZIP64 sizes), and owning the parser
 * means every offset and size gets the same checks as the rest of our
 * readers. The parts used (PKWARE APPNOTE, little-endian):
 *
 *   end of central directory (EOCD), in the last 22 + 65535 bytes:
 *     0 u32 0x06054b50, 4 u16 disk, 6 u16 cd disk, 8 u16 entries here,
 *     10 u16 entries total, 12 u32 cd size, 16 u32 cd offset, 20 u16 comment len
 *   ZIP64 EOCD locator, the 20 bytes before the EOCD (when a field is 0xFFFF...):
 *     0 u32 0x07064b50, 4 u32 disk, 8 u64 offset of the ZIP64 EOCD, 16 u32 disks
 *   ZIP64 EOCD: 0 u32 0x06064b50, 4 u64 record size, ..., 24 u64 entries here,
 *     32 u64 entries total, 40 u64 cd size, 48 u64 cd offset
 *   central directory entry (46 bytes + name + extra + comment):
 *     0 u32 0x02014b50, 8 u16 flags, 10 u16 method, 16 u32 crc32,
 *     20 u32 compressed size, 24 u32 size, 28 u16 name len, 30 u16 extra len,
 *     32 u16 comment len, 42 u32 local header offset;
 *     extra block 0x0001 (ZIP64) holds u64 size, u64 compressed size,
 *     u64 offset, each present only when its 32-bit field is 0xFFFFFFFF
 *   local header (30 bytes + name + extra), then the member's data:
 *     0 u32 0x04034b50, 26 u16 name len, 28 u16 extra len
 *
 * Sizes come from the central directory (numpy's local headers carry
 * 0xFFFFFFFF and a ZIP64 extra). Encrypted members, methods other than 0/8,
 * multi-disk archives, sizes above NQ_NPZ_MAX_MEMBER, and deflate members
 * claiming more than the format's maximum ratio (1032:1) are rejected. CRC-32
 * is checked on every full read.
 */
#ifndef NQ_IO_NPZ_H
#define NQ_IO_NPZ_H

#include <stddef.h>
#include <stdint.h>

#include "io/npy.h"
#include "npuquant.h"

#define NQ_NPZ_MAX_MEMBERS 100000
#define NQ_NPZ_MAX_MEMBER ((uint64_t)1 << 32) /* bytes, uncompressed */

typedef struct nq_npz nq_npz;

/* Read an archive's central directory. */
nq_status nq_npz_open(const char *path, nq_npz **out, nq_error *err);
void nq_npz_close(nq_npz *z);

int nq_npz_count(const nq_npz *z);
/* Member name as stored ("images.npy"). */
const char *nq_npz_name(const nq_npz *z, int i);
/* Member size, uncompressed. */
uint64_t nq_npz_size(const nq_npz *z, int i);
/* Index of the member called `key` or `key.npy`, or -1. */
int nq_npz_find(const nq_npz *z, const char *key);

/* Read member i. max_bytes < its size reads only the first max_bytes (no CRC
 * check then: for peeking at an .npy header). *buf is malloc'd; free it. */
nq_status nq_npz_read(const nq_npz *z, int i, size_t max_bytes, unsigned char **buf, size_t *size,
                      nq_error *err);

/* Read member i as an .npy array (named "archive.npz:member" in messages). */
nq_status nq_npz_read_array(const nq_npz *z, int i, nq_array *out, nq_error *err);

/* Parse only member i's .npy header. */
nq_status nq_npz_read_header(const nq_npz *z, int i, nq_npy_header *out, nq_error *err);

#endif
