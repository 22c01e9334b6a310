/* The .npy reader/writer: round trips of every type and rank, hand-made files
 * that exercise byte order, Fortran order and the v2/v3 preambles, and hostile
 * headers that must be refused with a message naming the file and the problem.
 * (Files written by numpy itself are checked by numpy_interop.py.) */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/status.h"
#include "io/npy.h"
#include "testutil.h"

static char tmpdir[64];

static void tmp_path(char *buf, size_t n, const char *leaf) { snprintf(buf, n, "%s/%s", tmpdir, leaf); }

/* Build an .npy in memory: preamble for `major`, the given dict text padded
 * to `pad_to` bytes in total (0: no padding), then `data`. */
static unsigned char *make_npy(int major, const char *dict, const void *data, size_t nbytes, size_t *size) {
  size_t pre = major == 1 ? 10 : 12, dl = strlen(dict);
  size_t hlen = dl + 1;
  unsigned char *b = malloc(pre + hlen + nbytes + 1);
  memcpy(b, "\x93NUMPY", 6);
  b[6] = (unsigned char)major;
  b[7] = 0;
  b[8] = (unsigned char)(hlen & 0xff);
  b[9] = (unsigned char)((hlen >> 8) & 0xff);
  if (major != 1) {
    b[10] = (unsigned char)((hlen >> 16) & 0xff);
    b[11] = (unsigned char)((hlen >> 24) & 0xff);
  }
  memcpy(b + pre, dict, dl);
  b[pre + dl] = '\n';
  if (nbytes) memcpy(b + pre + hlen, data, nbytes);
  *size = pre + hlen + nbytes;
  return b;
}

static void test_round_trip(void) {
  nq_rng rng = {12345};
  nq_error err;
  for (int t = 0; t < NQ_DTYPE_COUNT; t++) {
    for (int rank = 0; rank <= NQ_NPY_MAX_RANK; rank++) {
      for (int variant = 0; variant < 2; variant++) {
        int32_t shape[NQ_NPY_MAX_RANK];
        size_t n = 1;
        for (int d = 0; d < rank; d++) {
          /* variant 1 puts a zero-size dimension in (an empty array). */
          shape[d] = (variant == 1 && d == rank - 1) ? 0 : nq_rng_int(&rng, 1, rank > 4 ? 3 : 5);
          n *= (size_t)shape[d];
        }
        if (variant == 1 && rank == 0) continue;
        size_t es = nq_dtype_size((nq_dtype)t), nbytes = n * es;
        unsigned char *data = malloc(nbytes + 1);
        for (size_t i = 0; i < nbytes; i++) data[i] = (unsigned char)nq_rng_next(&rng);
        if (t == NQ_BOOL)
          for (size_t i = 0; i < n; i++) data[i] &= 1;
        char path[128];
        tmp_path(path, sizeof path, "rt.npy");
        CHECKF(nq_npy_write_file(path, (nq_dtype)t, rank, shape, data, &err) == NQ_OK, "%s", err.msg);
        nq_array a;
        CHECKF(nq_npy_read_file(path, &a, &err) == NQ_OK, "%s", err.msg);
        CHECK(a.type == (nq_dtype)t && a.rank == rank && a.nelems == n && a.nbytes == nbytes);
        CHECK(memcmp(a.shape, shape, sizeof(int32_t) * (size_t)rank) == 0);
        CHECKF(a.data && (nbytes == 0 || memcmp(a.data, data, nbytes) == 0), "type %s rank %d",
               nq_dtype_name((nq_dtype)t), rank);
        /* The header is padded so the data starts 64-byte aligned. */
        size_t fsize = 0;
        unsigned char *raw = nq_test_read_file(path, &fsize);
        nq_npy_header h;
        CHECK(raw && nq_npy_parse_header(raw, fsize, path, &h, &err) == NQ_OK);
        CHECK(h.major == 1 && h.data_offset % 64 == 0 && fsize == h.data_offset + nbytes);
        CHECK(raw && raw[h.data_offset - 1] == '\n');
        free(raw);
        nq_array_free(&a);
        CHECK(a.data == NULL);
        free(data);
      }
    }
  }
}

static void test_byte_order_and_versions(void) {
  nq_error err;
  nq_array a;
  size_t size;
  /* Big-endian int16 [0x0102, 0x0304] and float32 1.0f. */
  const unsigned char be16[4] = {0x01, 0x02, 0x03, 0x04};
  unsigned char *b = make_npy(1, "{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }", be16, 4, &size);
  CHECKF(nq_npy_read_mem(b, size, "be.npy", &a, &err) == NQ_OK, "%s", err.msg);
  CHECK(a.type == NQ_INT16 && ((int16_t *)a.data)[0] == 0x0102 && ((int16_t *)a.data)[1] == 0x0304);
  nq_array_free(&a);
  free(b);
  const unsigned char be_one[4] = {0x3f, 0x80, 0, 0};
  b = make_npy(2, "{\"descr\": \">f4\", \"fortran_order\": False, \"shape\": ()}", be_one, 4, &size);
  CHECKF(nq_npy_read_mem(b, size, "v2.npy", &a, &err) == NQ_OK, "%s", err.msg);
  CHECK(a.type == NQ_FLOAT32 && a.rank == 0 && a.nelems == 1 && ((float *)a.data)[0] == 1.0f);
  nq_array_free(&a);
  free(b);
  /* v3.0, keys in another order, Python 2 'L' dims, no trailing comma. */
  const int8_t v[6] = {1, 2, 3, 4, 5, 6};
  b = make_npy(3, "{'shape': (2L, 3L), 'fortran_order': False, 'descr': '|i1'}", v, 6, &size);
  CHECKF(nq_npy_read_mem(b, size, "v3.npy", &a, &err) == NQ_OK, "%s", err.msg);
  CHECK(a.type == NQ_INT8 && a.rank == 2 && a.shape[0] == 2 && a.shape[1] == 3);
  nq_array_free(&a);
  free(b);
}

/* Fortran order: element (i,j,k) of a 2x3x4 array sits at i + 2j + 6k. */
static void test_fortran_order(void) {
  nq_error err;
  int32_t f[24];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 4; k++) f[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
  size_t size;
  unsigned char *b =
      make_npy(1, "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3, 4), }", f, sizeof f, &size);
  nq_array a;
  CHECKF(nq_npy_read_mem(b, size, "f.npy", &a, &err) == NQ_OK, "%s", err.msg);
  int ok = a.nelems == 24;
  for (int i = 0; ok && i < 24; i++) ok = ((int32_t *)a.data)[i] == 100 * (i / 12) + 10 * (i / 4 % 3) + i % 4;
  CHECK(ok);
  nq_array_free(&a);
  free(b);
}

typedef struct bad_case {
  const char *dict;
  size_t data_bytes;
  nq_status code;
  const char *needle; /* must appear in the message */
} bad_case;

static void test_hostile_headers(void) {
  static const bad_case cases[] = {
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16, NQ_ERR_UNSUPPORTED, "float64"},
      {"{'descr': '<u4', 'fortran_order': False, 'shape': (2,), }", 8, NQ_ERR_UNSUPPORTED, "'<u4'"},
      {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8, NQ_ERR_UNSUPPORTED,
       "structured"},
      {"{'descr': '|f4', 'fortran_order': False, 'shape': (2,), }", 8, NQ_ERR_FORMAT, "byte order"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 8, NQ_ERR_FORMAT, "12 data bytes"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 8, NQ_ERR_FORMAT, "holds 8"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 0, NQ_ERR_FORMAT, "non-negative"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999,), }", 0, NQ_ERR_UNSUPPORTED, "int32"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2147483647, 2147483647, 2147483647), }", 0,
       NQ_ERR_FORMAT, "elements"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1), }", 4, NQ_ERR_UNSUPPORTED,
       "more than 6"},
      {"{'descr': '<f4', 'fortran_order': False, }", 0, NQ_ERR_FORMAT, "missing key 'shape'"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (), }", 4, NQ_ERR_FORMAT,
       "repeated"},
      {"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (), }", 4, NQ_ERR_FORMAT, "True or False"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, }", 24, NQ_ERR_FORMAT, "shape tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (), 'extra': 1}", 4, NQ_ERR_FORMAT, "'extra'"},
      {"{'descr': '<f\\x34', 'fortran_order': False, 'shape': (), }", 4, NQ_ERR_FORMAT, "plain string"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': ()} junk", 4, NQ_ERR_FORMAT, "padding"},
      {"{'descr': '<f4", 0, NQ_ERR_FORMAT, "closing quote"},
      {"", 0, NQ_ERR_FORMAT, "'{'"},
  };
  nq_error err;
  unsigned char zeros[64] = {0};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t size;
    unsigned char *b = make_npy(1, cases[i].dict, zeros, cases[i].data_bytes, &size);
    nq_array a;
    err.msg[0] = '\0';
    nq_status s = nq_npy_read_mem(b, size, "bad.npy", &a, &err);
    CHECKF(s == cases[i].code, "case %zu: status %d, msg '%s'", i, (int)s, err.msg);
    CHECKF(strstr(err.msg, "bad.npy") && strstr(err.msg, cases[i].needle), "case %zu: '%s' lacks '%s'", i,
           err.msg, cases[i].needle);
    CHECK(a.data == NULL);
    free(b);
  }

  /* Preamble problems: wrong magic, version, a header length past the end
   * of the buffer and one past the limit. */
  unsigned char buf[16] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0xff, 0xff, '{', '}'};
  nq_array a;
  CHECK(nq_npy_read_mem(buf, sizeof buf, "x.npy", &a, &err) == NQ_ERR_FORMAT && strstr(err.msg, "only"));
  buf[6] = 2;
  buf[10] = 0xff; /* hlen = 0x??ffffff: beyond the limit */
  CHECK(nq_npy_read_mem(buf, sizeof buf, "x.npy", &a, &err) == NQ_ERR_FORMAT && strstr(err.msg, "limit"));
  buf[6] = 4;
  CHECK(nq_npy_read_mem(buf, sizeof buf, "x.npy", &a, &err) == NQ_ERR_UNSUPPORTED &&
        strstr(err.msg, "version 4.0"));
  buf[1] = 'X';
  CHECK(nq_npy_read_mem(buf, sizeof buf, "x.npy", &a, &err) == NQ_ERR_FORMAT &&
        strstr(err.msg, "not a .npy"));
  CHECK(nq_npy_read_mem(buf, 3, "x.npy", &a, &err) == NQ_ERR_FORMAT);

  /* Every truncation of a valid file fails cleanly (and never reads past it). */
  float four[4] = {1, 2, 3, 4};
  size_t size;
  unsigned char *b =
      make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", four, 16, &size);
  int all_fail = 1;
  for (size_t cut = 0; cut < size; cut++) {
    unsigned char *c = malloc(cut ? cut : 1);
    memcpy(c, b, cut);
    if (nq_npy_read_mem(c, cut, "cut.npy", &a, &err) == NQ_OK) all_fail = 0;
    free(c);
  }
  CHECK(all_fail);
  CHECK(nq_npy_read_mem(b, size, "ok.npy", &a, &err) == NQ_OK && ((float *)a.data)[3] == 4.0f);
  nq_array_free(&a);
  free(b);
}

/* Random byte mutations of valid files (header and data) must give either a
 * clean error or a consistent array, never a crash or an out-of-bounds read
 * (this runs under ASan/UBSan in the sanitizer build). */
static void test_mutations(void) {
  nq_rng rng = {99};
  nq_error err;
  static const char *const dicts[] = {
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
      "{'descr': '>i2', 'fortran_order': True, 'shape': (3, 2, 2), }",
      "{'descr': '|b1', 'fortran_order': False, 'shape': (), }",
  };
  unsigned char data[48];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (unsigned char)i;
  static const size_t nbytes[] = {24, 24, 1};
  int ok_count = 0;
  for (int iter = 0; iter < 6000; iter++) {
    int which = iter % 3;
    size_t size;
    unsigned char *b = make_npy(1 + iter % 2 * 2, dicts[which], data, nbytes[which], &size);
    int flips = nq_rng_int(&rng, 1, 4);
    for (int f = 0; f < flips; f++) {
      size_t at = (size_t)nq_rng_int(&rng, 0, (int)size - 1);
      /* Mostly printable characters, so the mutations reach the dict parser. */
      static const char pool[] = "0123456789(),:'{} TFLf<>|=-\n\x00\xff";
      b[at] = nq_rng_int(&rng, 0, 3) ? (unsigned char)pool[nq_rng_int(&rng, 0, (int)sizeof pool - 2)]
                                     : (unsigned char)nq_rng_next(&rng);
    }
    size_t cut = nq_rng_int(&rng, 0, 9) == 0 ? (size_t)nq_rng_int(&rng, 0, (int)size) : size;
    nq_array a;
    if (nq_npy_read_mem(b, cut, "mut.npy", &a, &err) == NQ_OK) {
      ok_count++;
      CHECK(a.data && a.nbytes == a.nelems * nq_dtype_size(a.type) && a.rank <= NQ_NPY_MAX_RANK);
      nq_array_free(&a);
    } else {
      CHECK(strstr(err.msg, "mut.npy") != NULL && a.data == NULL);
    }
    free(b);
  }
  CHECK(ok_count > 0); /* some mutations (e.g. in the data) leave a valid file */
}

static void test_file_errors(void) {
  nq_error err;
  nq_array a;
  char path[128];
  tmp_path(path, sizeof path, "absent.npy");
  CHECK(nq_npy_read_file(path, &a, &err) == NQ_ERR_IO && strstr(err.msg, "absent.npy"));
  CHECK(nq_npy_read_file(tmpdir, &a, &err) == NQ_ERR_IO && strstr(err.msg, "regular"));
  /* Writing into a folder that does not exist fails and names the path. */
  tmp_path(path, sizeof path, "no/such/dir/x.npy");
  int32_t shp[1] = {1};
  float one = 1;
  CHECK(nq_npy_write_file(path, NQ_FLOAT32, 1, shp, &one, &err) == NQ_ERR_IO && strstr(err.msg, "x.npy"));
  CHECK(nq_npy_write_file(path, NQ_FLOAT32, 7, shp, &one, &err) == NQ_ERR_INVALID_ARG);
  /* A failed write leaves no temp file behind, a good one replaces the old file. */
  tmp_path(path, sizeof path, "over.npy");
  CHECK(nq_npy_write_file(path, NQ_FLOAT32, 1, shp, &one, &err) == NQ_OK);
  float two = 2;
  CHECK(nq_npy_write_file(path, NQ_FLOAT32, 1, shp, &two, &err) == NQ_OK);
  CHECK(nq_npy_read_file(path, &a, &err) == NQ_OK && ((float *)a.data)[0] == 2.0f);
  nq_array_free(&a);
  unlink(path);
}

static void cleanup(void) {
  char path[128];
  tmp_path(path, sizeof path, "rt.npy");
  unlink(path);
  rmdir(tmpdir);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/nq_npy_XXXXXX");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  test_round_trip();
  test_byte_order_and_versions();
  test_fortran_order();
  test_hostile_headers();
  test_mutations();
  test_file_errors();
  cleanup();
  CHECKF(rmdir(tmpdir) != 0, "temp folder should be gone (and empty) after cleanup");
  return nq_test_finish("test_npy");
}
