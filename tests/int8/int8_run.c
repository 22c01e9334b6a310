/*
 * A minimal runner for the int8 oracle test: load a .tflite with the public
 * API, run it on .npy inputs with the chosen rounding variant, write the
 * outputs as PREFIX.out<k>.npy.
 *
 *   int8_run [--single-rounding] MODEL PREFIX IN0.npy [IN1.npy ...]
 *
 * The .npy reader accepts only what the oracle script writes (format 1.0,
 * little-endian, C order, dtype matching the model input); anything else is
 * an error with a message. Exit 0 on success, 1 on failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npuquant.h"

static int fail(const char *fmt, const char *a, const char *b) {
  fprintf(stderr, "int8_run: ");
  fprintf(stderr, fmt, a, b);
  fputc('\n', stderr);
  return 1;
}

static const char *descr_of(nq_dtype t) {
  switch (t) {
    case NQ_INT8:
      return "|i1";
    case NQ_UINT8:
      return "|u1";
    case NQ_INT16:
      return "<i2";
    case NQ_INT32:
      return "<i4";
    case NQ_INT64:
      return "<i8";
    case NQ_FLOAT32:
      return "<f4";
    case NQ_BOOL:
      return "|b1";
    default:
      return NULL;
  }
}

/* Read the payload of a .npy file; checks the dtype string and size. */
static unsigned char *read_npy(const char *path, nq_dtype t, size_t want, char *msg, size_t msz) {
  FILE *f = fopen(path, "rb");
  if (!f) return snprintf(msg, msz, "cannot open %s", path), NULL;
  unsigned char head[10];
  unsigned char *data = NULL;
  if (fread(head, 1, 10, f) != 10 || memcmp(head, "\x93NUMPY", 6) != 0 || head[6] != 1) {
    snprintf(msg, msz, "%s: not a format-1.0 .npy file", path);
    goto done;
  }
  size_t hl = (size_t)head[8] | ((size_t)head[9] << 8);
  char hdr[65536];
  if (hl >= sizeof hdr || fread(hdr, 1, hl, f) != hl) {
    snprintf(msg, msz, "%s: truncated header", path);
    goto done;
  }
  hdr[hl] = '\0';
  const char *d = descr_of(t);
  if (!d || !strstr(hdr, d) || strstr(hdr, "'fortran_order': True")) {
    snprintf(msg, msz, "%s: dtype %s (C order) expected in header %.200s", path, d ? d : "?", hdr);
    goto done;
  }
  data = malloc(want ? want : 1);
  if (!data || fread(data, 1, want, f) != want || fgetc(f) != EOF) {
    snprintf(msg, msz, "%s: payload is not %zu bytes", path, want);
    free(data);
    data = NULL;
  }
done:
  fclose(f);
  return data;
}

static int write_npy(const char *path, const nq_tensor_info *ti, const void *data, size_t n) {
  char shape[256] = "";
  size_t o = 0;
  for (int i = 0; i < ti->rank; i++)
    o += (size_t)snprintf(shape + o, sizeof shape - o, "%d%s", (int)ti->shape[i],
                          ti->rank == 1      ? ","
                          : i + 1 < ti->rank ? ", "
                                             : "");
  char hdr[512];
  int hl = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
                    descr_of(ti->type), shape);
  int total = 10 + hl + 1;
  int pad = (64 - total % 64) % 64;
  FILE *f = fopen(path, "wb");
  if (!f) return 1;
  unsigned char h[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
  h[8] = (unsigned char)((hl + pad + 1) & 0xff);
  h[9] = (unsigned char)((hl + pad + 1) >> 8);
  fwrite(h, 1, 10, f);
  fwrite(hdr, 1, (size_t)hl, f);
  for (int i = 0; i < pad; i++) fputc(' ', f);
  fputc('\n', f);
  fwrite(data, 1, n, f);
  return fclose(f) != 0;
}

int main(int argc, char **argv) {
  int single = 0, ai = 1;
  if (ai < argc && strcmp(argv[ai], "--single-rounding") == 0) {
    single = 1;
    ai++;
  }
  if (argc - ai < 2) return fail("usage: int8_run [--single-rounding] MODEL PREFIX IN.npy...%s%s", "", "");
  const char *model_path = argv[ai], *prefix = argv[ai + 1];
  nq_error err = {0};
  nq_model *m = NULL;
  nq_session *s = NULL;
  int rc = 1;
  if (nq_model_load(model_path, &m, &err) != NQ_OK) return fail("%s%s", err.msg, "");
  nq_session_options opts = {.num_threads = 1, .reference_only = 0, .single_rounding = single};
  if (nq_session_create(m, &opts, &s, &err) != NQ_OK) {
    fail("%s%s", err.msg, "");
    goto out;
  }
  if (argc - ai - 2 != nq_model_num_inputs(m)) {
    fail("the model has %s inputs, %s .npy files given", "a different number of", "another number of");
    goto out;
  }
  for (int i = 0; ai + 2 + i < argc; i++) {
    nq_tensor_info ti;
    if (nq_model_input(m, i, &ti, &err) != NQ_OK) {
      fail("%s%s", err.msg, "");
      goto out;
    }
    size_t n = nq_dtype_size(ti.type);
    for (int d = 0; d < ti.rank; d++) n *= (size_t)ti.shape[d];
    char msg[1024];
    unsigned char *buf = read_npy(argv[ai + 2 + i], ti.type, n, msg, sizeof msg);
    if (!buf) {
      fail("%s%s", msg, "");
      goto out;
    }
    nq_status st = nq_session_set_input(s, i, buf, n, &err);
    free(buf);
    if (st != NQ_OK) {
      fail("%s%s", err.msg, "");
      goto out;
    }
  }
  if (nq_session_run(s, &err) != NQ_OK) {
    fail("%s%s", err.msg, "");
    goto out;
  }
  for (int k = 0; k < nq_model_num_outputs(m); k++) {
    nq_tensor_info ti;
    if (nq_model_output(m, k, &ti, &err) != NQ_OK) {
      fail("%s%s", err.msg, "");
      goto out;
    }
    const void *data;
    size_t n;
    if (nq_session_output(s, k, &data, &n, &err) != NQ_OK) {
      fail("%s%s", err.msg, "");
      goto out;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s.out%d.npy", prefix, k);
    if (write_npy(path, &ti, data, n)) {
      fail("cannot write %s%s", path, "");
      goto out;
    }
  }
  rc = 0;
out:
  nq_session_free(s);
  nq_model_free(m);
  return rc;
}
