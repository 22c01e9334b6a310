/*
 * bench_float: float inference speed of npuquant on one .tflite model.
 *
 *   bench_float [-n RUNS] [-w WARMUP] [-t THREADS] [--ref] [--input IN.npy]
 *               [--ceiling] [--json] MODEL.tflite
 *
 * Loads the model, creates a session (fast kernels unless --ref), fills the
 * inputs (from a float32 .npy, or a fixed pseudo-random pattern), warms up,
 * times RUNS runs and prints images/s (batch / median time), the median and
 * minimum ms, and the effective GFLOP/s, counting 2 * MACs of CONV_2D,
 * DEPTHWISE_CONV_2D, FULLY_CONNECTED and TRANSPOSE_CONV from the model's
 * shapes. --ceiling also times a 2048^3 OpenBLAS sgemm on all cores, the
 * practical peak of this machine, and prints our GFLOP/s as a share of it;
 * without a model it prints only that ceiling.
 */
#include <cblas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/model_internal.h"
#include "exec/gemm.h"
#include "npuquant.h"

void openblas_set_num_threads(int n); /* OpenBLAS extension, not in every cblas.h */

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double shape_prod(const nq_tensor *t, int from, int to) {
  double p = 1;
  for (int i = from; i < to && i < t->rank; i++) p *= t->shape[i] > 0 ? t->shape[i] : 1;
  return p;
}

/* 2 * multiply-accumulates of the compute-heavy ops, from the file's shapes. */
static double model_flops(const nq_graph *g) {
  double flops = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *nd = &g->nodes[i];
    if (nd->n_in < 2 || nd->n_out < 1 || nd->in[0] < 0 || nd->in[1] < 0 || nd->out[0] < 0) continue;
    const nq_tensor *x = &g->tensors[nd->in[0]], *w = &g->tensors[nd->in[1]];
    const nq_tensor *y = &g->tensors[nd->out[0]];
    switch (nd->op) {
      case NQ_OP_CONV_2D: /* out pixels * Cout * KH*KW*Cin */
        flops += 2 * shape_prod(y, 0, 4) * shape_prod(w, 1, 4);
        break;
      case NQ_OP_DEPTHWISE_CONV_2D: /* out elements * KH*KW */
        flops += 2 * shape_prod(y, 0, 4) * shape_prod(w, 1, 3);
        break;
      case NQ_OP_FULLY_CONNECTED: /* out elements * K */
        flops += 2 * shape_prod(y, 0, y->rank) * (w->rank == 2 ? w->shape[1] : 0);
        break;
      case NQ_OP_TRANSPOSE_CONV: /* inputs: output_shape, weights [Cout,KH,KW,Cin], input */
        if (nd->n_in >= 3 && nd->in[2] >= 0)
          flops += 2 * shape_prod(&g->tensors[nd->in[2]], 0, 3) * shape_prod(w, 0, 4);
        break;
      default:
        break;
    }
    (void)x;
  }
  return flops;
}

/* A float32 .npy (version 1/2, little-endian, C order) of exactly nbytes. */
static int read_npy_f32(const char *path, void *dst, size_t nbytes) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  unsigned char h[12];
  int ok = fread(h, 1, 10, f) == 10 && memcmp(h, "\x93NUMPY", 6) == 0;
  size_t hlen = 0;
  if (ok && h[6] == 1) {
    hlen = (size_t)h[8] | (size_t)h[9] << 8;
  } else if (ok && fread(h + 10, 1, 2, f) == 2) {
    hlen = (size_t)h[8] | (size_t)h[9] << 8 | (size_t)h[10] << 16 | (size_t)h[11] << 24;
  } else {
    ok = 0;
  }
  char hdr[4096];
  ok = ok && hlen < sizeof hdr && fread(hdr, 1, hlen, f) == hlen;
  if (ok) {
    hdr[hlen] = 0;
    ok = strstr(hdr, "<f4") != NULL && strstr(hdr, "'fortran_order': False") != NULL;
  }
  ok = ok && fread(dst, 1, nbytes, f) == nbytes && fgetc(f) == EOF;
  fclose(f);
  return ok ? 0 : -1;
}

static double sgemm_ceiling_gflops(void) {
  const int n = 2048;
  float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n);
  float *c = malloc(sizeof(float) * n * n);
  if (!a || !b || !c) return 0;
  for (size_t i = 0; i < (size_t)n * n; i++) {
    a[i] = (float)(i % 7) * 0.25f - 0.5f;
    b[i] = (float)(i % 5) * 0.125f;
  }
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  openblas_set_num_threads(cores > 0 ? (int)cores : 1);
  double best = 1e30;
  for (int r = 0; r < 4; r++) {
    double t0 = now_ms();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
    double t = now_ms() - t0;
    if (r > 0 && t < best) best = t; /* the first run pays for thread start-up */
  }
  free(a);
  free(b);
  free(c);
  return 2.0 * n * n * (double)n / (best * 1e-3) / 1e9;
}

static void usage(void) {
  fprintf(stderr,
          "usage: bench_float [-n RUNS] [-w WARMUP] [-t THREADS] [--ref] [--input IN.npy] "
          "[--ceiling] [--json] MODEL.tflite\n       bench_float --ceiling [--json]\n");
}

int main(int argc, char **argv) {
  int runs = 50, warmup = 5, threads = 0, ref = 0, ceiling = 0, json = 0;
  const char *path = NULL, *input = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-n") && i + 1 < argc)
      runs = atoi(argv[++i]);
    else if (!strcmp(argv[i], "-w") && i + 1 < argc)
      warmup = atoi(argv[++i]);
    else if (!strcmp(argv[i], "-t") && i + 1 < argc)
      threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--input") && i + 1 < argc)
      input = argv[++i];
    else if (!strcmp(argv[i], "--ref"))
      ref = 1;
    else if (!strcmp(argv[i], "--ceiling"))
      ceiling = 1;
    else if (!strcmp(argv[i], "--json"))
      json = 1;
    else if (argv[i][0] != '-' && !path)
      path = argv[i];
    else {
      usage();
      return 2;
    }
  }
  if (!path && ceiling) { /* the machine's sgemm ceiling alone */
    double g = sgemm_ceiling_gflops();
    if (json)
      printf("{\"sgemm_ceiling_gflops\":%.1f}\n", g);
    else
      printf("sgemm 2048^3 OpenBLAS all cores: %.1f GFLOP/s\n", g);
    return 0;
  }
  if (!path || runs < 1 || warmup < 0) {
    usage();
    return 2;
  }
  nq_error err;
  memset(&err, 0, sizeof err);
  nq_model *m = NULL;
  if (nq_model_load(path, &m, &err) != NQ_OK) {
    fprintf(stderr, "bench_float: %s\n", err.msg);
    return 1;
  }
  nq_session_options opts = {.num_threads = threads, .reference_only = ref};
  nq_session *s = NULL;
  if (nq_session_create(m, &opts, &s, &err) != NQ_OK) {
    fprintf(stderr, "bench_float: %s\n", err.msg);
    nq_model_free(m);
    return 1;
  }
  int batch = 1;
  for (int i = 0; i < nq_model_num_inputs(m); i++) {
    nq_tensor_info ti;
    if (nq_model_input(m, i, &ti, &err) != NQ_OK) break;
    if (i == 0 && ti.rank > 0 && ti.shape[0] > 0) batch = ti.shape[0];
    unsigned char *buf = malloc(ti.nbytes ? ti.nbytes : 1);
    if (!buf) return 1;
    if (input && i == 0 && ti.type == NQ_FLOAT32) {
      if (read_npy_f32(input, buf, ti.nbytes) != 0) {
        fprintf(stderr, "bench_float: %s: not a float32 .npy of %zu bytes\n", input, ti.nbytes);
        return 1;
      }
    } else if (ti.type == NQ_FLOAT32) {
      for (size_t k = 0; k < ti.nbytes / 4; k++)
        ((float *)buf)[k] = (float)((k * 2654435761u) % 1000) / 1000.0f;
    } else {
      for (size_t k = 0; k < ti.nbytes; k++) buf[k] = (unsigned char)(k * 31);
    }
    if (nq_session_set_input(s, i, buf, ti.nbytes, &err) != NQ_OK) {
      fprintf(stderr, "bench_float: %s\n", err.msg);
      return 1;
    }
    free(buf);
  }
  double *t = malloc(sizeof(double) * (size_t)runs);
  for (int i = 0; i < warmup + runs; i++) {
    double t0 = now_ms();
    if (nq_session_run(s, &err) != NQ_OK) {
      fprintf(stderr, "bench_float: %s\n", err.msg);
      return 1;
    }
    if (i >= warmup) t[i - warmup] = now_ms() - t0;
  }
  qsort(t, (size_t)runs, sizeof *t, cmp_double);
  double median = runs % 2 ? t[runs / 2] : 0.5 * (t[runs / 2 - 1] + t[runs / 2]);
  double flops = model_flops(m->graph);
  double ips = batch * 1000.0 / median, gflops = flops / (median * 1e-3) / 1e9;
  double ceil_g = ceiling ? sgemm_ceiling_gflops() : 0;
  if (json) {
    printf(
        "{\"model\":\"%s\",\"batch\":%d,\"runs\":%d,\"min_ms\":%.4f,\"median_ms\":%.4f,"
        "\"images_per_s\":%.2f,\"gflop_per_run\":%.4f,\"gflops\":%.2f,\"kernels\":\"%s\"",
        path, batch, runs, t[0], median, ips, flops / 1e9, gflops, ref ? "reference" : nq_gemm_kernel_name());
    if (ceiling) printf(",\"sgemm_ceiling_gflops\":%.1f", ceil_g);
    printf("}\n");
  } else {
    printf("%s\n  %s kernels (%s), batch %d, %d runs: median %.3f ms, min %.3f ms, %.1f images/s\n", path,
           ref ? "reference" : "fast", ref ? "plain C" : nq_gemm_kernel_name(), batch, runs, median, t[0],
           ips);
    printf("  %.3f GFLOP per run, %.2f GFLOP/s effective\n", flops / 1e9, gflops);
    if (ceiling)
      printf("  sgemm 2048^3 OpenBLAS all cores: %.1f GFLOP/s (ours is %.1f%% of it)\n", ceil_g,
             100.0 * gflops / ceil_g);
  }
  free(t);
  nq_session_free(s);
  nq_model_free(m);
  return 0;
}
