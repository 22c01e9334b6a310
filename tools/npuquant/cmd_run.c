/*
 * `npuquant run MODEL -i IN.npy ... -o PREFIX`: run a model on .npy inputs
 * with the library's executor and write each output as PREFIX.out<k>.npy.
 * Optionally dump every tensor (--tensors DIR) or time repeated runs
 * (--repeat N), per node with --profile.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_data.h"
#include "cli_kernels.h"
#include "cli_model.h"
#include "cli_profile.h"

/* The help text is longer than C99's 4095-character literal minimum; gcc
 * and clang take it. */
#pragma GCC diagnostic ignored "-Woverlength-strings"

const char cmd_run_help[] =
    "Usage: npuquant run MODEL -i IN.npy [-i IN2.npy ...] -o PREFIX\n"
    "                    [--tensors DIR] [--repeat N] [--profile] [--threads N]\n"
    "                    [--reference] [--single-rounding | --double-rounding]\n"
    "                    [--kernels K]\n"
    "\n"
    "Run MODEL (a float or int8 .tflite, or any float model npuquant reads:\n"
    "Keras .h5/.keras, SavedModel folder, frozen .pb, ONNX) on inputs read from\n"
    ".npy files and write output k (in the model's output order) to\n"
    "PREFIX.out<k>.npy.\n"
    "\n"
    "Each input file must hold exactly the type and shape of the model input at\n"
    "the same position (see 'npuquant inspect MODEL'); for a quantized input\n"
    "that means the integer values q, not real values. Output files are written\n"
    "atomically (temporary file + rename) and never over an input file.\n"
    "\n"
    "Options:\n"
    "  -i, --input FILE    an input: a .npy file (exact type and shape), or an image\n"
    "                      (JPEG/PNG/BMP) that is resized and scaled with the\n"
    "                      preprocessing options below and, for an int8/uint8\n"
    "                      input, quantized with its parameters; one per model input\n"
    "  -o, --output PREFIX write outputs to PREFIX.out0.npy, PREFIX.out1.npy, ...\n"
    "  --tensors DIR       also write every tensor after the run (inputs,\n"
    "                      constants, intermediates, outputs) as\n"
    "                      DIR/<index>_<name>.npy, where <name> is the tensor name\n"
    "                      with characters other than A-Z a-z 0-9 . - _ replaced\n"
    "                      by '_'; DIR is created if it does not exist\n"
    "  --repeat N          after one warm-up run, run N more times and print\n"
    "                      'min A ms, median B ms per inference (N runs, K\n"
    "                      kernels)' (model loading\n"
    "                      and planning excluded); outputs come from the last run\n"
    "  --profile           also time every node over those runs (one run after the\n"
    "                      warm-up without --repeat) and print two tables sorted\n"
    "                      by time: per op type and per node (the 30 slowest),\n"
    "                      each with ms per run, share of the total, GFLOP/s for\n"
    "                      convolutions and fully-connected layers, and which\n"
    "                      kernels ran the node (fast, ref, int8-fast, int8)\n"
    "  --threads N         worker threads (default 0: one per core)\n"
    "  --single-rounding   int8 models: round once, as XNNPACK (what LiteRT runs\n"
    "                      int8 models with on a CPU, e.g. the i.MX 8M Plus's\n"
    "                      Cortex-A53), TFLM/CMSIS-NN and Arm NN do (the default)\n"
    "  --double-rounding   int8 models: TFLite's reference kernels (a TFLite build\n"
    "                      without XNNPACK); outputs may differ by a few steps\n"
    "  --reference         use only the plain reference kernels (slow; for\n"
    "                      checking the fast kernels)\n" CLI_KERNELS_HELP
    "  -h, --help          show this text\n"
    "\n"
    "Image inputs (as for convert): --range R (0..255 raw, 0..1, -1..1), --mean M[,M,M]\n"
    "  --std S[,S,S], --scale A --offset B, --resize stretch|crop, --color rgb|bgr|gray,\n"
    "  --no-antialias, --channels-first\n"
    "\n" CLI_LOAD_HELP
    "\n"
    ".npy files: NumPy format 1.0-3.0, types float32 float16 int8 uint8 int16\n"
    "int32 int64 bool; big-endian and Fortran-order arrays are converted.\n"
    "float64 is refused: save with numpy.save(path, x.astype(numpy.float32)).\n"
    "\n"
    "Example:\n"
    "  python3 -c 'import numpy; numpy.save(\"x.npy\", numpy.ones((1,1), \"float32\"))'\n"
    "  npuquant run hello_world_float.tflite -i x.npy -o y   # writes y.out0.npy\n"
    "  npuquant run model.tflite -i img.npy -o res --repeat 50 --threads 2\n"
    "  npuquant run vww_96_int8.tflite -i person.jpg --range 0..1 -o res\n"
    "\n"
    "Exit codes: 0 ok, 1 bad model or input (wrong shape/type, unreadable file,\n"
    "unwritable output), 2 usage error, 3 unsupported op or type,\n"
    "4 internal error.\n";

enum { MAX_INPUTS = 256 };

typedef struct run_args {
  const char *model;
  const char *inputs[MAX_INPUTS];
  int n_inputs;
  const char *prefix;
  const char *tensors_dir;
  long repeat;
  int profile;
  long threads;
  int reference;
  int single_rounding;
  cli_data_opts data; /* preprocessing for inputs given as images */
} run_args;

enum {
  OPT_TENSORS = 256,
  OPT_REPEAT,
  OPT_PROFILE,
  OPT_THREADS,
  OPT_REFERENCE,
  OPT_SINGLE_ROUNDING,
  OPT_DOUBLE_ROUNDING
};

static int parse_args(int argc, char **argv, run_args *a) {
  static const struct option longopts[] = {
      {"input", required_argument, NULL, 'i'},
      {"output", required_argument, NULL, 'o'},
      {"tensors", required_argument, NULL, OPT_TENSORS},
      {"repeat", required_argument, NULL, OPT_REPEAT},
      {"profile", no_argument, NULL, OPT_PROFILE},
      {"threads", required_argument, NULL, OPT_THREADS},
      {"reference", no_argument, NULL, OPT_REFERENCE},
      {"single-rounding", no_argument, NULL, OPT_SINGLE_ROUNDING},
      {"double-rounding", no_argument, NULL, OPT_DOUBLE_ROUNDING},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  memset(a, 0, sizeof *a);
  a->single_rounding = NQ_DEFAULT_SINGLE_ROUNDING;
  cli_data_init(&a->data);
  int c;
  opterr = 0;
  optind = 1;
  /* kept in a static so the table stays reachable (no leak report) */
  static struct option *all_opts;
  if (!all_opts) {
    struct option *with_load = cli_merge_longopts(longopts, cli_load_longopts);
    struct option *with_data = with_load ? cli_merge_longopts(with_load, cli_data_longopts) : NULL;
    all_opts = with_data ? cli_merge_longopts(with_data, cli_kernels_longopts) : NULL;
    free(with_load);
    free(with_data);
  }
  if (!all_opts) return CLI_ERR_INTERNAL;
  while ((c = getopt_long(argc, argv, ":i:o:h", all_opts, NULL)) != -1) {
    int lr = cli_load_option(c, optarg);
    if (lr < 0) return CLI_ERR_USAGE;
    if (lr != 0) continue;
    if (c == 'd' || c == CLI_DATA_OPT_BASE + 0 || c == CLI_DATA_OPT_BASE + 1)
      return cli_usage_error("run",
                             "-d/--samples/--seed select data sets for convert and compare; "
                             "give run its inputs with -i");
    int r = cli_data_option("run", c, optarg, &a->data);
    if (r == 0) r = cli_kernels_option("run", c, optarg);
    if (r < 0) return CLI_ERR_USAGE;
    if (r > 0) continue;
    switch (c) {
      case 'i':
        if (a->n_inputs >= MAX_INPUTS) return cli_usage_error("run", "more than %d inputs", MAX_INPUTS);
        a->inputs[a->n_inputs++] = optarg;
        break;
      case 'o':
        a->prefix = optarg;
        break;
      case OPT_TENSORS:
        a->tensors_dir = optarg;
        break;
      case OPT_REPEAT:
        if (cli_parse_int(optarg, 1, 1000000, &a->repeat))
          return cli_usage_error("run", "--repeat needs a count from 1 to 1000000, not '%s'", optarg);
        break;
      case OPT_PROFILE:
        a->profile = 1;
        break;
      case OPT_THREADS:
        if (cli_parse_int(optarg, 0, 1024, &a->threads))
          return cli_usage_error("run", "--threads needs a number from 0 to 1024, not '%s'", optarg);
        break;
      case OPT_REFERENCE:
        a->reference = 1;
        break;
      case OPT_SINGLE_ROUNDING:
        a->single_rounding = 1;
        break;
      case OPT_DOUBLE_ROUNDING:
        a->single_rounding = 0;
        break;
      case 'h':
        return -1;
      default:
        return cli_getopt_error("run", c, argv);
    }
  }
  if (optind >= argc) return cli_usage_error("run", "missing MODEL");
  if (argc - optind > 1) return cli_usage_error("run", "unexpected argument '%s'", argv[optind + 1]);
  a->model = argv[optind];
  if (a->n_inputs == 0) return cli_usage_error("run", "no input given (-i IN.npy)");
  if (!a->prefix || !*a->prefix) return cli_usage_error("run", "no output prefix given (-o PREFIX)");
  return 0;
}

static int is_npy(const char *path) {
  unsigned char head[6] = {0};
  /* O_NONBLOCK: a FIFO must not block here; the reader refuses it. */
  int fd = open(path, O_RDONLY | O_NONBLOCK);
  if (fd < 0) return 1; /* let the .npy reader report the open error */
  struct stat st;
  ssize_t n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, head, sizeof head) : -1;
  close(fd);
  if (n < 0) return 1;
  return n == 6 && memcmp(head, "\x93NUMPY", 6) == 0;
}

/* An input given as an image (or any single sample the data-set reader
 * takes): preprocessed with run's --range/--mean/--std/... options, then
 * quantized with the input's own parameters for an int8/uint8 input. */
static nq_status load_image_input(const nq_model *m, int i, const run_args *a, nq_array *out, nq_error *err) {
  nq_tensor_info t;
  CLI_TRY(nq_model_input(m, i, &t, err));
  if (t.type != NQ_FLOAT32 && t.type != NQ_INT8 && t.type != NQ_UINT8)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "input %d '%s' is %s: give it as a .npy file", i,
                   t.name ? t.name : "", nq_dtype_name(t.type));
  nq_data_options dopt;
  nq_data_options_init(&dopt);
  dopt.channels_first = a->data.channels_first;
  nq_dataset *ds = NULL;
  CLI_TRY(nq_dataset_open_input(a->inputs[i], m, i, &a->data.pp, &dopt, &ds, err));
  size_t n = nq_dataset_sample_elems(ds);
  float *v = malloc(n * sizeof(float) + 1);
  nq_status st = v ? NQ_OK : nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  if (st == NQ_OK && nq_dataset_count(ds) != 1)
    st = nq_fail(err, NQ_ERR_INVALID_ARG, "%s holds %zu samples; run takes one per input", a->inputs[i],
                 nq_dataset_count(ds));
  if (st == NQ_OK) st = nq_dataset_get(ds, 0, v, err);
  nq_dataset_free(ds);
  if (st == NQ_OK && t.type != NQ_FLOAT32) {
    if (t.n_params < 1) {
      st =
          nq_fail(err, NQ_ERR_INVALID_ARG, "input '%s' has no quantization parameters", t.name ? t.name : "");
    } else {
      st = nq_quantize_floats(v, n, t.type, t.scale[0], (int32_t)t.zero_point[0], v, err); /* in place */
    }
  }
  if (st != NQ_OK) {
    free(v);
    return st;
  }
  memset(out, 0, sizeof *out);
  out->type = t.type;
  out->rank = t.rank;
  memcpy(out->shape, t.shape, sizeof out->shape);
  out->nelems = n;
  out->nbytes = n * nq_dtype_size(t.type);
  out->data = v;
  return NQ_OK;
}

/* Read every input file and check it against the model input it feeds. */
static nq_status load_inputs(const nq_model *m, const run_args *a, nq_array *arrays, nq_error *err) {
  int want = nq_model_num_inputs(m);
  if (a->n_inputs != want)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "%s has %d input%s but %d input file%s given", a->model, want,
                   want == 1 ? "" : "s", a->n_inputs, a->n_inputs == 1 ? " was" : "s were");
  for (int i = 0; i < want; i++) {
    nq_status st = is_npy(a->inputs[i]) ? nq_npy_read_file(a->inputs[i], &arrays[i], err)
                                        : load_image_input(m, i, a, &arrays[i], err);
    /* An unsupported .npy type is a problem with the user's data (exit 1),
     * not a model feature npuquant lacks (exit 3). */
    if (st == NQ_ERR_UNSUPPORTED) err->code = st = NQ_ERR_FORMAT;
    if (st != NQ_OK) return st;
    nq_tensor_info t;
    CLI_TRY(nq_model_input(m, i, &t, err));
    const nq_array *x = &arrays[i];
    int same = x->type == t.type && x->rank == t.rank;
    for (int d = 0; same && d < t.rank; d++) same = x->shape[d] == t.shape[d];
    if (!same) {
      char ms[128], fs[128];
      return nq_fail(err, NQ_ERR_SHAPE, "input %d '%s': the model expects %s %s, %s holds %s %s", i,
                     t.name ? t.name : "", nq_dtype_name(t.type),
                     cli_shape_str(t.shape, t.rank, ms, sizeof ms), a->inputs[i], nq_dtype_name(x->type),
                     cli_shape_str(x->shape, x->rank, fs, sizeof fs));
    }
  }
  return NQ_OK;
}

/* Refuse an output path that is one of the files we read. */
static nq_status check_not_input(const char *out, const run_args *a, nq_error *err) {
  if (nq_same_file(out, a->model))
    return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: refusing to write over the model file", out);
  for (int i = 0; i < a->n_inputs; i++)
    if (nq_same_file(out, a->inputs[i]))
      return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: refusing to write over input file %s", out, a->inputs[i]);
  return NQ_OK;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static nq_status run_timed(nq_session *s, long repeat, int profile, nq_error *err) {
  CLI_TRY(nq_session_run(s, err));                     /* warm-up: first-touch of memory, caches */
  if (profile) CLI_TRY(nq_session_profile(s, 1, err)); /* the warm-up is not in the profile */
  double *ms = malloc((size_t)repeat * sizeof *ms);
  if (!ms) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for %ld timings", repeat);
  for (long r = 0; r < repeat; r++) {
    double t0 = now_ms();
    nq_status st = nq_session_run(s, err);
    if (st != NQ_OK) {
      free(ms);
      return st;
    }
    ms[r] = now_ms() - t0;
  }
  qsort(ms, (size_t)repeat, sizeof *ms, cmp_double);
  double median = repeat % 2 ? ms[repeat / 2] : (ms[repeat / 2 - 1] + ms[repeat / 2]) / 2;
  printf("min %.3f ms, median %.3f ms per inference (%ld runs, %s kernels)\n", ms[0], median, repeat,
         nq_kernels_name(nq_session_kernels(s)));
  free(ms);
  return NQ_OK;
}

static nq_status write_outputs(const nq_model *m, nq_session *s, const run_args *a, nq_error *err) {
  int n = nq_model_num_outputs(m);
  size_t len = strlen(a->prefix) + 32;
  char *path = malloc(len);
  if (!path) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  nq_status st = NQ_OK;
  for (int k = 0; k < n && st == NQ_OK; k++) {
    snprintf(path, len, "%s.out%d.npy", a->prefix, k);
    nq_tensor_info t;
    const void *data;
    size_t nbytes;
    st = nq_model_output(m, k, &t, err);
    if (st == NQ_OK) st = nq_session_output(s, k, &data, &nbytes, err);
    if (st == NQ_OK && nbytes != t.nbytes)
      st = nq_fail(err, NQ_ERR_INTERNAL, "output %d '%s': the session holds %zu bytes, its shape needs %zu",
                   k, t.name ? t.name : "", nbytes, t.nbytes);
    if (st == NQ_OK) st = check_not_input(path, a, err);
    if (st == NQ_OK) st = nq_npy_write_file(path, t.type, t.rank, t.shape, data, err);
    if (st == NQ_OK) {
      char sh[128];
      printf("wrote %s (%s %s)\n", path, nq_dtype_name(t.type),
             cli_shape_str(t.shape, t.rank, sh, sizeof sh));
    }
  }
  free(path);
  return st;
}

/* "conv1/Relu;x:0" -> "conv1_Relu_x_0": a portable file name part. */
static void sanitize_name(const char *name, char *out, size_t cap) {
  size_t k = 0;
  for (const char *p = name ? name : ""; *p && k + 1 < cap; p++) {
    char c = *p;
    int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '-' || c == '_';
    out[k++] = keep ? c : '_';
  }
  out[k] = '\0';
}

static nq_status dump_tensors(const nq_model *m, nq_session *s, const run_args *a, nq_error *err) {
  const char *dir = a->tensors_dir;
  if (mkdir(dir, 0777) != 0 && errno != EEXIST)
    return nq_fail(err, NQ_ERR_IO, "%s: cannot create the tensor folder: %s", dir, strerror(errno));
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) return nq_fail(err, NQ_ERR_IO, "%s: not a folder", dir);
  int n = nq_model_num_tensors(m);
  size_t len = strlen(dir) + 160;
  char *path = malloc(len);
  if (!path) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  nq_status rc = NQ_OK;
  int written = 0;
  for (int i = 0; i < n && rc == NQ_OK; i++) {
    nq_tensor_info t;
    const void *data;
    size_t nbytes;
    rc = nq_model_tensor(m, i, &t, err);
    if (rc != NQ_OK) break;
    char leaf[120];
    sanitize_name(t.name, leaf, sizeof leaf);
    snprintf(path, len, "%s/%d_%s.npy", dir, i, leaf);
    rc = nq_session_tensor(s, i, &data, &nbytes, err);
    if (rc == NQ_OK && nbytes != t.nbytes)
      rc = nq_fail(err, NQ_ERR_INTERNAL, "tensor %d '%s': the session holds %zu bytes, its shape needs %zu",
                   i, t.name ? t.name : "", nbytes, t.nbytes);
    if (rc == NQ_OK) rc = check_not_input(path, a, err);
    if (rc == NQ_OK) rc = nq_npy_write_file(path, t.type, t.rank, t.shape, data, err);
    if (rc == NQ_OK) written++;
  }
  free(path);
  if (rc == NQ_OK) printf("wrote %d tensors to %s/\n", written, dir);
  return rc;
}

int cmd_run(int argc, char **argv) {
  run_args a;
  int rc = parse_args(argc, argv, &a);
  if (rc < 0) return cli_print_help(cmd_run_help);
  if (rc) return rc;

  nq_error err = {0};
  cli_model_file mf;
  nq_model *m = NULL;
  nq_session *s = NULL;
  nq_array arrays[MAX_INPUTS];
  memset(arrays, 0, sizeof arrays);

  nq_status st = cli_load_model(a.model, &mf, &m, &err);
  if (st == NQ_OK) st = load_inputs(m, &a, arrays, &err);
  if (st == NQ_OK) {
    nq_session_options opts = {0};
    opts.num_threads = (int)a.threads;
    opts.reference_only = a.reference;
    opts.single_rounding = a.single_rounding;
    opts.kernels = (int)cli_kernels();
    st = nq_session_create(m, &opts, &s, &err);
  }
  if (st == NQ_OK && a.tensors_dir) st = nq_session_keep_all_tensors(s, &err);
  for (int i = 0; st == NQ_OK && i < a.n_inputs; i++) {
    st = nq_session_set_input(s, i, arrays[i].data, arrays[i].nbytes, &err);
    if (st != NQ_OK) nq_prefix(&err, "%s: ", a.inputs[i]);
  }
  if (st == NQ_OK)
    st = a.repeat > 0 || a.profile ? run_timed(s, a.repeat > 0 ? a.repeat : 1, a.profile, &err)
                                   : nq_session_run(s, &err);
  if (st == NQ_OK && a.profile) st = cli_print_profile(stdout, m, s, 30, &err);
  if (st == NQ_OK) st = write_outputs(m, s, &a, &err);
  if (st == NQ_OK && a.tensors_dir) st = dump_tensors(m, s, &a, &err);
  if (st == NQ_OK && nq_model_is_quantized(m))
    printf("int8 arithmetic: %s\n", nq_rounding_name(a.single_rounding));

  for (int i = 0; i < MAX_INPUTS; i++) nq_array_free(&arrays[i]);
  nq_session_free(s);
  nq_model_free(m);
  if (st != NQ_OK) return cli_fail_status(st, &err);
  if (fflush(stdout) != 0) {
    cli_error("cannot write to stdout");
    return CLI_ERR_INPUT;
  }
  return CLI_OK;
}
