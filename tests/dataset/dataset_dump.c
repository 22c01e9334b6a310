/*
 * Test driver for the data set code: runs the library on fixtures that
 * test_dataset.py makes with PIL and numpy, and writes what it produced as
 * .npy so the script can compare with its own references.
 *
 *   dataset_dump decode IMAGE OUT.npy
 *       decoded uint8 pixels, shape (H, W, C)
 *   dataset_dump resize IN.npy W H ANTIALIAS OUT.npy
 *       nq_resize_f32 on a float32 (H, W, C) array
 *   dataset_dump open PATH --shape 1,H,W,C [options] OUT.npy
 *       every selected sample stacked (K, ...input shape) as float32; the
 *       sample names go to stdout, one per line, then "notes:" and the notes
 *       options: --crop --noaa --color rgb|bgr|gray --range R --mean LIST
 *                --std LIST --scale S --offset O --samples N --seed S --nchw
 *                --name INPUT_NAME
 *   dataset_dump fuzz FILE ITERATIONS SEED
 *       random byte mutations of FILE decoded as an image, or as .npz/.npy
 *       when FILE ends so; must never crash (run under ASan in CI)
 *
 * Any library error: "ERROR: <message>" on stderr, exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crc32.h"

#include "calib/dataset.h"
#include "calib/image_decode.h"
#include "calib/image_resize.h"
#include "calib/preprocess.h"
#include "core/status.h"
#include "io/npy.h"
#include "io/npz.h"
#include "testutil.h"

static int fail(const nq_error *err) {
  fprintf(stderr, "ERROR: %s\n", err->msg);
  return 1;
}

static int cmd_decode(const char *in, const char *out) {
  nq_error err = {0};
  nq_image img;
  if (nq_image_load(in, &img, &err) != NQ_OK) return fail(&err);
  int32_t shape[3] = {img.height, img.width, img.channels};
  nq_status s = nq_npy_write_file(out, NQ_UINT8, 3, shape, img.data, &err);
  nq_image_free(&img);
  return s == NQ_OK ? 0 : fail(&err);
}

static int cmd_resize(const char *in, int w, int h, int aa, const char *out) {
  nq_error err = {0};
  nq_array a;
  if (nq_npy_read_file(in, &a, &err) != NQ_OK) return fail(&err);
  if (a.type != NQ_FLOAT32 || a.rank != 3) {
    fprintf(stderr, "ERROR: resize wants float32 (H, W, C)\n");
    return 1;
  }
  float *dst = malloc((size_t)w * (size_t)h * (size_t)a.shape[2] * sizeof *dst);
  nq_status s = nq_resize_f32(a.data, a.shape[1], a.shape[0], a.shape[2], dst, w, h, aa, &err);
  int32_t shape[3] = {h, w, a.shape[2]};
  if (s == NQ_OK) s = nq_npy_write_file(out, NQ_FLOAT32, 3, shape, dst, &err);
  free(dst);
  nq_array_free(&a);
  return s == NQ_OK ? 0 : fail(&err);
}

static int parse_shape(const char *s, nq_input_spec *spec) {
  spec->rank = 0;
  while (*s && spec->rank < NQ_API_MAX_RANK) {
    spec->shape[spec->rank++] = (int32_t)strtol(s, (char **)&s, 10);
    if (*s == ',') s++;
  }
  return spec->rank > 0;
}

static void show_progress(void *user, size_t done, size_t total, const char *name) {
  size_t *calls = user;
  (*calls)++;
  if (done > total || !name) fprintf(stderr, "bad progress %zu/%zu\n", done, total);
}

static int cmd_open(int argc, char **argv) {
  nq_error err = {0};
  nq_input_spec spec = {0};
  nq_preprocess pp;
  nq_preprocess_default(&pp);
  nq_dataset_options opts = {0};
  size_t progress_calls = 0;
  opts.progress = show_progress;
  opts.progress_user = &progress_calls;
  const char *path = argv[0], *out = argv[argc - 1];
  for (int i = 1; i < argc - 1; i++) {
    const char *a = argv[i], *v = i + 1 < argc - 1 ? argv[i + 1] : "";
    nq_status s = NQ_OK;
    if (!strcmp(a, "--shape"))
      parse_shape(v, &spec), i++;
    else if (!strcmp(a, "--crop"))
      s = nq_preprocess_set(&pp, "resize", "crop", &err);
    else if (!strcmp(a, "--noaa"))
      s = nq_preprocess_set(&pp, "antialias", "off", &err);
    else if (!strcmp(a, "--nchw"))
      spec.channels_first = 1;
    else if (!strcmp(a, "--name"))
      spec.name = v, i++;
    else if (!strcmp(a, "--color") || !strcmp(a, "--range") || !strcmp(a, "--mean") || !strcmp(a, "--std") ||
             !strcmp(a, "--scale") || !strcmp(a, "--offset"))
      s = nq_preprocess_set(&pp, a + 2, v, &err), i++;
    else if (!strcmp(a, "--samples"))
      opts.max_samples = strtoul(v, NULL, 10), i++;
    else if (!strcmp(a, "--seed"))
      opts.use_seed = 1, opts.seed = strtoull(v, NULL, 10), i++;
    else {
      fprintf(stderr, "unknown option %s\n", a);
      return 2;
    }
    if (s != NQ_OK) return fail(&err);
  }
  nq_dataset *ds;
  if (nq_dataset_open(path, &spec, &pp, &opts, &ds, &err) != NQ_OK) return fail(&err);
  size_t count = nq_dataset_count(ds), elems = nq_dataset_sample_elems(ds);
  float *all = malloc((count ? count : 1) * elems * sizeof *all);
  int rc = 0;
  for (size_t i = 0; i < count && rc == 0; i++) {
    if (nq_dataset_get(ds, i, all + i * elems, &err) != NQ_OK)
      rc = fail(&err);
    else
      printf("%s\n", nq_dataset_name(ds, i));
  }
  if (rc == 0 && progress_calls != count) {
    fprintf(stderr, "ERROR: progress called %zu times for %zu samples\n", progress_calls, count);
    rc = 1;
  }
  if (rc == 0) {
    int32_t shape[NQ_API_MAX_RANK + 1] = {(int32_t)count};
    memcpy(shape + 1, spec.shape, (size_t)spec.rank * sizeof *shape);
    if (nq_npy_write_file(out, NQ_FLOAT32, spec.rank + 1, shape, all, &err) != NQ_OK) rc = fail(&err);
    const nq_preprocess *used = nq_dataset_preprocess(ds);
    float a, b;
    nq_preprocess_affine(used, 0, &a, &b);
    printf("notes:\n%stotal: %zu\naffine0: %.9g %.9g\n", nq_dataset_notes(ds), nq_dataset_total(ds),
           (double)a, (double)b);
  }
  free(all);
  nq_dataset_free(ds);
  return rc;
}

/* Recompute PNG chunk CRCs after mutation so the bytes reach libpng's
 * decoding instead of stopping at the first CRC check. */
static void fix_png_crcs(unsigned char *b, size_t n) {
  size_t p = 8;
  while (p + 12 <= n) {
    size_t len = (size_t)b[p] << 24 | (size_t)b[p + 1] << 16 | (size_t)b[p + 2] << 8 | b[p + 3];
    if (len > n - p - 12) break;
    uint32_t crc = nq_crc32(0, b + p + 4, len + 4);
    b[p + 8 + len] = (unsigned char)(crc >> 24), b[p + 9 + len] = (unsigned char)(crc >> 16);
    b[p + 10 + len] = (unsigned char)(crc >> 8), b[p + 11 + len] = (unsigned char)crc;
    p += 12 + len;
  }
}

/* Mutate bytes and decode; only crashes and sanitizer reports count. */
static int cmd_fuzz(const char *path, int iters, unsigned seed) {
  size_t size;
  unsigned char *orig = nq_test_read_file(path, &size);
  if (!orig || size == 0) {
    fprintf(stderr, "ERROR: cannot read %s\n", path);
    return 1;
  }
  unsigned char *buf = malloc(size);
  nq_rng rng = {seed ? seed : 1};
  size_t len = strlen(path);
  int is_npz = len > 4 && !strcmp(path + len - 4, ".npz");
  int is_npy = len > 4 && !strcmp(path + len - 4, ".npy");
  char tmp[64];
  snprintf(tmp, sizeof tmp, "/tmp/nq_fuzz_%d.%s", (int)seed, is_npz ? "npz" : "npy");
  int ok = 0, bad = 0;
  for (int it = 0; it < iters; it++) {
    memcpy(buf, orig, size);
    size_t n = size;
    int edits = nq_rng_int(&rng, 1, 8);
    for (int e = 0; e < edits; e++) {
      size_t at = (size_t)nq_rng_int(&rng, 0, (int)(n - 1));
      switch (nq_rng_int(&rng, 0, 3)) {
        case 0:
          buf[at] = (unsigned char)nq_rng_int(&rng, 0, 255);
          break;
        case 1:
          buf[at] ^= (unsigned char)(1u << nq_rng_int(&rng, 0, 7));
          break;
        case 2:
          buf[at] = (unsigned char)(nq_rng_int(&rng, 0, 1) ? 0xFF : 0x00);
          break;
        default:
          n = at + 1;
          break; /* truncate */
      }
    }
    if (nq_image_sniff(orig, size) == NQ_IMAGE_PNG && (it & 1)) fix_png_crcs(buf, n);
    nq_error err = {0};
    nq_status s;
    if (is_npz || is_npy) {
      FILE *f = fopen(tmp, "wb");
      fwrite(buf, 1, n, f);
      fclose(f);
      if (is_npz) {
        nq_npz *z;
        s = nq_npz_open(tmp, &z, &err);
        if (s == NQ_OK) {
          for (int i = 0; i < nq_npz_count(z); i++) {
            nq_array a;
            if (nq_npz_read_array(z, i, &a, &err) == NQ_OK) nq_array_free(&a);
          }
          nq_npz_close(z);
        }
      } else {
        nq_array a;
        s = nq_npy_read_file(tmp, &a, &err);
        if (s == NQ_OK) nq_array_free(&a);
      }
    } else {
      nq_image img;
      s = nq_image_decode_mem(buf, n, "fuzz", &img, &err);
      if (s == NQ_OK) nq_image_free(&img);
    }
    if (s == NQ_OK)
      ok++;
    else if (err.msg[0] == '\0') {
      fprintf(stderr, "ERROR: iteration %d failed without a message\n", it);
      return 1;
    } else
      bad++;
  }
  remove(tmp);
  printf("fuzz %s: %d decoded, %d rejected\n", path, ok, bad);
  free(buf);
  free(orig);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 4 && !strcmp(argv[1], "decode")) return cmd_decode(argv[2], argv[3]);
  if (argc >= 7 && !strcmp(argv[1], "resize"))
    return cmd_resize(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), argv[6]);
  if (argc >= 4 && !strcmp(argv[1], "open")) return cmd_open(argc - 2, argv + 2);
  if (argc >= 5 && !strcmp(argv[1], "fuzz"))
    return cmd_fuzz(argv[2], atoi(argv[3]), (unsigned)strtoul(argv[4], NULL, 10));
  fprintf(stderr, "usage: see the comment at the top of dataset_dump.c\n");
  return 2;
}
