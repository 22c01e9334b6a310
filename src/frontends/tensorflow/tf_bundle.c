/*
 * TensorFlow tensor bundle reader (the variables of a SavedModel).
 *
 * variables.index is a LevelDB-format table (SSTable): a 48-byte footer
 * (metaindex and index BlockHandles as varints, padding, 8-byte magic), an
 * index block whose values are BlockHandles of the data blocks, and data
 * blocks of prefix-compressed entries (shared, non_shared, value_len
 * varints, key delta, value) followed by uint32 restart offsets and their
 * count. Every block is followed by a 1-byte compression type and the
 * masked CRC32C of block + type. Keys map to BundleEntryProto values (the
 * empty key to the BundleHeaderProto); the tensor bytes live in
 * variables.data-SSSSS-of-NNNNN at entry.offset with the masked CRC32C of
 * those bytes in entry.crc32c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/input_file.h"
#include "core/status.h"
#include "frontends/tensorflow/tf_internal.h"

#define TABLE_MAGIC 0xdb4775248b80fb57ull
#define FOOTER_LEN 48
#define MAX_ENTRIES (1 << 20)

static uint32_t crc_table[256];
static void crc_init(void) {
  if (crc_table[1]) return;
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1; /* Castagnoli, reflected */
    crc_table[i] = c;
  }
}

uint32_t tf_crc32c(uint32_t crc, const uint8_t *p, size_t n) {
  crc_init();
  crc = ~crc;
  for (size_t i = 0; i < n; i++) crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

/* LevelDB/TensorFlow store CRCs "masked" (rotated and offset). */
uint32_t tf_crc32c_unmask(uint32_t masked) {
  uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  *v = 0;
  for (int s = 0; s < 64 && *p < end; s += 7) {
    uint8_t b = *(*p)++;
    *v |= (uint64_t)(b & 0x7f) << s;
    if (!(b & 0x80)) return true;
  }
  return false;
}

typedef struct blk {
  const uint8_t *data;
  size_t len;
} blk;

static nq_status read_block(const char *file, const uint8_t *buf, size_t len, uint64_t off, uint64_t size,
                            blk *b, nq_error *err) {
  if (off > len || size > len - off || len - off - size < 5)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: block at offset %llu size %llu is outside the file (%zu bytes)",
                   file, (unsigned long long)off, (unsigned long long)size, len);
  const uint8_t *p = buf + off;
  uint8_t type = p[size];
  uint32_t want = tf_crc32c_unmask(le32(p + size + 1));
  uint32_t got = tf_crc32c(0, p, (size_t)size + 1);
  if (want != got)
    return nq_fail(err, NQ_ERR_FORMAT,
                   "%s: block at offset %llu: CRC32C mismatch (stored %08x, computed %08x)", file,
                   (unsigned long long)off, want, got);
  if (type != 0)
    return nq_fail(err, NQ_ERR_UNSUPPORTED,
                   "%s: block at offset %llu is compressed (type %d); only uncompressed tables are supported",
                   file, (unsigned long long)off, type);
  b->data = p;
  b->len = (size_t)size;
  return NQ_OK;
}

/* Call fn(key, klen, value, vlen) for each entry of a block. */
typedef nq_status (*entry_fn)(void *ctx, const char *key, size_t klen, const uint8_t *v, size_t vlen,
                              nq_error *err);

static nq_status each_entry(const char *file, blk b, entry_fn fn, void *ctx, nq_error *err) {
  if (b.len < 4) return nq_fail(err, NQ_ERR_FORMAT, "%s: block too small", file);
  uint32_t nr = le32(b.data + b.len - 4);
  if (nr == 0 || nr > (b.len - 4) / 4)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: block has a bad restart count %u", file, nr);
  const uint8_t *p = b.data, *end = b.data + b.len - 4 - 4 * (size_t)nr;
  char *key = NULL;
  size_t klen = 0;
  nq_status st = NQ_OK;
  while (p < end && st == NQ_OK) {
    uint64_t shared, nonshared, vlen;
    if (!varint(&p, end, &shared) || !varint(&p, end, &nonshared) || !varint(&p, end, &vlen) ||
        shared > klen || nonshared > (uint64_t)(end - p) || vlen > (uint64_t)(end - p) - nonshared) {
      st = nq_fail(err, NQ_ERR_FORMAT, "%s: malformed table entry", file);
      break;
    }
    size_t nk = (size_t)(shared + nonshared);
    char *k2 = realloc(key, nk + 1);
    if (!k2) {
      st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", file);
      break;
    }
    key = k2;
    memcpy(key + shared, p, (size_t)nonshared);
    key[nk] = 0;
    klen = nk;
    p += nonshared;
    st = fn(ctx, key, klen, p, (size_t)vlen, err);
    p += vlen;
  }
  free(key);
  return st;
}

typedef struct load_ctx {
  tf_bundle *b;
  const char *file;
  const uint8_t *buf;
  size_t len;
} load_ctx;

static nq_status data_entry(void *vctx, const char *key, size_t klen, const uint8_t *v, size_t vlen,
                            nq_error *err) {
  load_ctx *c = vctx;
  if (klen == 0) {
    Nqtf__BundleHeaderProto *h = nqtf__bundle_header_proto__unpack(NULL, vlen, v);
    if (!h) return nq_fail(err, NQ_ERR_FORMAT, "%s: malformed bundle header", c->file);
    c->b->num_shards = h->num_shards;
    int endian = h->endianness;
    nqtf__bundle_header_proto__free_unpacked(h, NULL);
    if (endian != 0) return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: big-endian bundle", c->file);
    if (c->b->num_shards < 1 || c->b->num_shards > 100000)
      return nq_fail(err, NQ_ERR_FORMAT, "%s: bundle header says %d shards", c->file, c->b->num_shards);
    return NQ_OK;
  }
  if (c->b->n >= MAX_ENTRIES)
    return nq_fail(err, NQ_ERR_NOMEM, "%s: more than %d entries", c->file, MAX_ENTRIES);
  if (strlen(key) != klen) return nq_fail(err, NQ_ERR_FORMAT, "%s: a key contains a NUL byte", c->file);
  Nqtf__BundleEntryProto *e = nqtf__bundle_entry_proto__unpack(NULL, vlen, v);
  if (!e) return nq_fail(err, NQ_ERR_FORMAT, "%s: entry '%s' is not a valid BundleEntryProto", c->file, key);
  tf_bundle_entry *ne = realloc(c->b->entries, sizeof *ne * (size_t)(c->b->n + 1));
  char *k = strdup(key);
  if (!ne || !k) {
    if (ne) c->b->entries = ne;
    free(k);
    nqtf__bundle_entry_proto__free_unpacked(e, NULL);
    return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->file);
  }
  c->b->entries = ne;
  ne[c->b->n++] = (tf_bundle_entry){k, e};
  return NQ_OK;
}

static nq_status index_entry(void *vctx, const char *key, size_t klen, const uint8_t *v, size_t vlen,
                             nq_error *err) {
  load_ctx *c = vctx;
  const uint8_t *p = v;
  uint64_t off, size;
  if (!varint(&p, v + vlen, &off) || !varint(&p, v + vlen, &size))
    return nq_fail(err, NQ_ERR_FORMAT, "%s: malformed block handle in the index", c->file);
  blk b;
  NQ_TRY(read_block(c->file, c->buf, c->len, off, size, &b, err));
  return each_entry(c->file, b, data_entry, c, err);
}

nq_status tf_bundle_open(tf_bundle *b, const char *prefix, const char *root, nq_error *err) {
  memset(b, 0, sizeof *b);
  char file[4096];
  if ((size_t)snprintf(file, sizeof file, "%s.index", prefix) >= sizeof file)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: path too long", prefix);
  b->prefix = strdup(prefix);
  b->root = strdup(root);
  uint8_t *buf;
  size_t len;
  nq_status rs = b->prefix && b->root ? tf_read_file(file, root, &buf, &len, err)
                                      : nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  if (rs != NQ_OK) {
    tf_bundle_free(b); /* the names copied above (they leaked when the index could not be read) */
    return rs;
  }
  nq_status st = NQ_OK;
  if (len < FOOTER_LEN) st = nq_fail(err, NQ_ERR_FORMAT, "%s: too small for a table footer", file);
  const uint8_t *foot = buf + len - FOOTER_LEN;
  if (st == NQ_OK) {
    uint64_t magic = (uint64_t)le32(foot + 40) | (uint64_t)le32(foot + 44) << 32;
    if (magic != TABLE_MAGIC)
      st = nq_fail(err, NQ_ERR_FORMAT, "%s: bad table magic (not a checkpoint index)", file);
  }
  uint64_t mo = 0, ms = 0, io = 0, is = 0;
  const uint8_t *p = foot;
  if (st == NQ_OK && (!varint(&p, foot + 40, &mo) || !varint(&p, foot + 40, &ms) ||
                      !varint(&p, foot + 40, &io) || !varint(&p, foot + 40, &is)))
    st = nq_fail(err, NQ_ERR_FORMAT, "%s: malformed table footer", file);
  blk index;
  if (st == NQ_OK) st = read_block(file, buf, len, io, is, &index, err);
  load_ctx c = {b, file, buf, len};
  b->num_shards = 0;
  if (st == NQ_OK) st = each_entry(file, index, index_entry, &c, err);
  if (st == NQ_OK && b->num_shards == 0) st = nq_fail(err, NQ_ERR_FORMAT, "%s: no bundle header entry", file);
  free(buf);
  if (st != NQ_OK) tf_bundle_free(b);
  return st;
}

void tf_bundle_free(tf_bundle *b) {
  for (int i = 0; i < b->n; i++) {
    free(b->entries[i].key);
    nqtf__bundle_entry_proto__free_unpacked(b->entries[i].e, NULL);
  }
  free(b->entries);
  free(b->prefix);
  free(b->root);
  memset(b, 0, sizeof *b);
}

nq_status tf_bundle_load(const tf_bundle *b, const char *key, nq_graph *g, const char *name, int *tensor,
                         nq_error *err) {
  const Nqtf__BundleEntryProto *e = NULL;
  for (int i = 0; i < b->n && !e; i++)
    if (strcmp(b->entries[i].key, key) == 0) e = b->entries[i].e;
  if (!e) return nq_fail(err, NQ_ERR_FORMAT, "%s.index: no entry '%s' (variable '%s')", b->prefix, key, name);
  if (e->n_slices)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s.index: '%s' is stored in slices", b->prefix, key);
  if (e->dtype != TF_DT_FLOAT && e->dtype != TF_DT_INT32 && e->dtype != TF_DT_INT64)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s.index: '%s' has dtype %d (float32, int32, int64 supported)",
                   b->prefix, key, e->dtype);
  if (e->shard_id < 0 || e->shard_id >= b->num_shards || e->offset < 0 || e->size < 0)
    return nq_fail(err, NQ_ERR_FORMAT, "%s.index: '%s' has shard %d offset %lld size %lld (of %d shards)",
                   b->prefix, key, e->shard_id, (long long)e->offset, (long long)e->size, b->num_shards);
  nq_dtype t;
  tf_dtype_to_nq(e->dtype, &t);
  int rank;
  int64_t d[NQ_MAX_RANK];
  int32_t s[NQ_MAX_RANK];
  if (!tf_shape_of(e->shape, &rank, d))
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s.index: '%s': rank", b->prefix, key);
  for (int i = 0; i < rank; i++) {
    if (d[i] < 0 || d[i] > INT32_MAX)
      return nq_fail(err, NQ_ERR_FORMAT, "%s.index: '%s': bad dimension", b->prefix, key);
    s[i] = (int32_t)d[i];
  }
  size_t n;
  if (!nq_shape_elems(s, rank, NQ_MAX_TENSOR_ELEMS, &n))
    return nq_fail(err, NQ_ERR_NOMEM, "%s: '%s' too large", b->prefix, key);
  size_t nbytes = n * nq_dtype_size(t);
  if ((uint64_t)e->size != nbytes)
    return nq_fail(err, NQ_ERR_FORMAT, "%s.index: '%s' has %lld bytes, its shape needs %zu", b->prefix, key,
                   (long long)e->size, nbytes);
  char shard[4200];
  snprintf(shard, sizeof shard, "%s.data-%05d-of-%05d", b->prefix, e->shard_id, b->num_shards);
  FILE *fp;
  if (nq_input_fopen(shard, b->root, &fp, NULL, err) != NQ_OK)
    return nq_prefix(err, "data shard of variable '%s': ", key);
  uint8_t *buf = malloc(nbytes ? nbytes : 1);
  nq_status st = NQ_OK;
  if (!buf)
    st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", shard);
  else if (fseek(fp, (long)e->offset, SEEK_SET) != 0 || fread(buf, 1, nbytes, fp) != nbytes)
    st = nq_fail(err, NQ_ERR_FORMAT, "%s: cannot read %zu bytes at offset %lld for '%s' (truncated shard?)",
                 shard, nbytes, (long long)e->offset, key);
  fclose(fp);
  if (st == NQ_OK) {
    uint32_t want = tf_crc32c_unmask(e->crc32c), got = tf_crc32c(0, buf, nbytes);
    if (want != got)
      st = nq_fail(err, NQ_ERR_FORMAT, "%s: checksum mismatch for '%s' (stored CRC32C %08x, data has %08x)",
                   shard, key, want, got);
  }
  int ti = -1;
  if (st == NQ_OK && (ti = nq_graph_add_tensor(g, name, t, rank, s, err)) < 0) st = err->code;
  if (st == NQ_OK) {
    st = nq_tensor_set_data(g, ti, buf, nbytes, err);
    buf = NULL;
  }
  free(buf);
  if (st == NQ_OK) *tensor = ti;
  return st;
}
