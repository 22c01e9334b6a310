/*
 * `npuquant compare FLOAT INT8 -d DATA`: run two models (usually a float
 * model and its int8 version, from npuquant or from TensorFlow's converter)
 * on the same samples and report how far apart they are, per output and
 * optionally per tensor; with --labels, the accuracy of each.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_data.h"
#include "cli_diagnose.h"
#include "cli_html.h"
#include "cli_kernels.h"
#include "cli_labels.h"
#include "cli_model.h"
#include "cli_report.h"

/* The help text splices in the shared data and loading option blocks and so
 * exceeds C99's 4095-character minimum for a literal; gcc and clang take it. */
#pragma GCC diagnostic ignored "-Woverlength-strings"

const char cmd_compare_help[] =
    "Usage: npuquant compare FLOAT INT8 -d DATA [-d DATA2 ...] [options]\n"
    "\n"
    "Run FLOAT (the reference) and INT8 (the model under test) on the same samples\n"
    "with npuquant's executors and print, for every output: the SQNR in dB of\n"
    "INT8's dequantized output against FLOAT's (higher is better), the largest\n"
    "absolute error, the RMSE, the RMSE in quantization steps, and for class\n"
    "scores ([1, N] from a softmax, or the only output, or with --labels) how\n"
    "often both pick the same class.\n"
    "INT8's int8/uint8 inputs are quantized from the same float samples with its\n"
    "own input parameters. Any two models with the same inputs and outputs work,\n"
    "e.g. npuquant's output against TensorFlow's own int8 model.\n"
    "\n"
    "Options:\n"
    "  --tensors           also compare every tensor that has the same name in\n"
    "                      both models (a layer-by-layer view of where accuracy\n"
    "                      is lost)\n"
    "  --labels FILE.npy   integer class labels, one per sample (in sample order):\n"
    "                      also print each model's top-1 accuracy\n"
    "  --labels folders[:MAP]  the labels from class folders (-d DATA/ with DATA/cat/,\n"
    "                      DATA/dog/...): the folder's position in name order, or\n"
    "                      its line in MAP (class names in the model's output order)\n"
    "  --single-rounding   int8 arithmetic rounds once, as XNNPACK (what LiteRT runs\n"
    "                      on a CPU), TFLM and Arm NN do (the default)\n"
    "  --double-rounding   int8 arithmetic as TFLite's reference kernels\n"
    "  --threads N         worker threads (default: one per core)\n" CLI_KERNELS_HELP
    "  --task detect|landmark\n"
    "                      also compare what the task needs: detect decodes both\n"
    "                      models' detections (TFLite_Detection_PostProcess outputs;\n"
    "                      one YOLO output [1, N, 5 + classes]: cx, cy, w, h, objectness,\n"
    "                      class scores, per-class NMS at IoU 0.45; or MediaPipe's\n"
    "                      regressors [1, N, K] and score logits [1, N, 1] over its SSD\n"
    "                      anchors (face, palm and pose detectors), NMS at IoU 0.3)\n"
    "                      and matches them\n"
    "                      (IoU >= 0.5, same class): recall and precision of INT8's\n"
    "                      against FLOAT's; landmark: the mean x/y distance between\n"
    "                      the models' keypoints (pixels for MediaPipe landmark nets)\n"
    "  --layout postprocess|yolo|mediapipe\n"
    "                      detect: the output layout (default: by the outputs)\n"
    "  --score-threshold S detect: drop detections scored below S (default: none for\n"
    "                      TFLite_Detection_PostProcess, 0.25 for YOLO, 0.5 for\n"
    "                      MediaPipe)\n"
    "  --landmark-output K landmark: the output holding the keypoints (default 0)\n"
    "  --keypoint-dims D   landmark: values per keypoint, x and y first (default 3;\n"
    "                      pose_landmark's first output has 5)\n"
    "  --json              print the figures as JSON on stdout\n"
    "  --report FILE.html  also write the report as one self-contained HTML page\n"
    "                      (per-layer SQNR bars, the worst layers with causes,\n"
    "                      activation histograms, weight ranges, the NPU report)\n"
    "  -h, --help          show this text\n"
    "\n" CLI_DATA_HELP "\n" CLI_LOAD_HELP
    "\n"
    "Example:\n"
    "  npuquant compare vww_96_float.tflite vww_int8.tflite -d photos/ --range 0..1 --tensors\n"
    "\n"
    "Exit codes: 0 ok, 1 bad model or data, 2 usage error, 3 unsupported model\n"
    "feature, 4 internal error.\n";

enum {
  OPT_TENSORS = 256,
  OPT_LABELS,
  OPT_SINGLE,
  OPT_THREADS,
  OPT_JSON,
  OPT_DOUBLE,
  OPT_REPORT,
  OPT_TASK,
  OPT_LAYOUT,
  OPT_SCORE,
  OPT_LANDMARK_OUTPUT,
  OPT_KEYPOINT_DIMS
};

typedef struct compare_args {
  const char *ref, *test, *labels;
  cli_data_opts data;
  int tensors, single_rounding, json;
  const char *report; /* --report FILE.html, NULL: none */
  long threads;
  int task, layout;
  float score_threshold;
  long landmark_output, keypoint_dims;
} compare_args;

static int parse_args(int argc, char **argv, compare_args *a) {
  static const struct option own[] = {
      {"tensors", no_argument, NULL, OPT_TENSORS},
      {"labels", required_argument, NULL, OPT_LABELS},
      {"single-rounding", no_argument, NULL, OPT_SINGLE},
      {"double-rounding", no_argument, NULL, OPT_DOUBLE},
      {"threads", required_argument, NULL, OPT_THREADS},
      {"json", no_argument, NULL, OPT_JSON},
      {"report", required_argument, NULL, OPT_REPORT},
      {"task", required_argument, NULL, OPT_TASK},
      {"layout", required_argument, NULL, OPT_LAYOUT},
      {"score-threshold", required_argument, NULL, OPT_SCORE},
      {"landmark-output", required_argument, NULL, OPT_LANDMARK_OUTPUT},
      {"keypoint-dims", required_argument, NULL, OPT_KEYPOINT_DIMS},
      {"help", no_argument, NULL, 'h'},
      {0, 0, 0, 0},
  };
  struct option *with_data = cli_merge_longopts(own, cli_data_longopts);
  struct option *with_load = with_data ? cli_merge_longopts(with_data, cli_load_longopts) : NULL;
  struct option *opts = with_load ? cli_merge_longopts(with_load, cli_kernels_longopts) : NULL;
  free(with_data);
  free(with_load);
  if (!opts) return CLI_ERR_INTERNAL;
  int rc = -1, c;
  opterr = 0;
  optind = 1;
  while (rc < 0 && (c = getopt_long(argc, argv, ":hd:", opts, NULL)) != -1) {
    int lr = cli_load_option(c, optarg);
    if (lr < 0) rc = CLI_ERR_USAGE;
    if (lr != 0) continue;
    int r = cli_data_option("compare", c, optarg, &a->data);
    if (r == 0) r = cli_kernels_option("compare", c, optarg);
    if (r < 0) rc = CLI_ERR_USAGE;
    if (r != 0) continue;
    switch (c) {
      case 'h':
        free(opts);
        cli_print_help(cmd_compare_help);
        return -2;
      case OPT_TENSORS:
        a->tensors = 1;
        break;
      case OPT_LABELS:
        a->labels = optarg;
        break;
      case OPT_SINGLE:
        a->single_rounding = 1;
        break;
      case OPT_DOUBLE:
        a->single_rounding = 0;
        break;
      case OPT_THREADS:
        if (cli_parse_int(optarg, 0, 1024, &a->threads) != 0)
          rc = cli_usage_error("compare", "--threads expects 0..1024, got '%s'", optarg);
        break;
      case OPT_JSON:
        a->json = 1;
        break;
      case OPT_REPORT:
        a->report = optarg;
        break;
      case OPT_TASK:
        a->task = !strcmp(optarg, "detect") ? 1 : !strcmp(optarg, "landmark") ? 2 : -1;
        if (a->task < 0)
          rc = cli_usage_error("compare", "--task expects detect or landmark, got '%s'", optarg);
        break;
      case OPT_LAYOUT:
        a->layout = !strcmp(optarg, "postprocess") ? 1
                    : !strcmp(optarg, "yolo")      ? 2
                    : !strcmp(optarg, "mediapipe") ? 3
                                                   : -1;
        if (a->layout < 0)
          rc =
              cli_usage_error("compare", "--layout expects postprocess, yolo or mediapipe, got '%s'", optarg);
        break;
      case OPT_SCORE: {
        char *end;
        double v = strtod(optarg, &end);
        if (end == optarg || *end || !(v >= 0 && v <= 1))
          rc = cli_usage_error("compare", "--score-threshold expects a number in [0, 1], got '%s'", optarg);
        a->score_threshold = (float)v;
        break;
      }
      case OPT_LANDMARK_OUTPUT:
        if (cli_parse_int(optarg, 0, 4096, &a->landmark_output) != 0)
          rc = cli_usage_error("compare", "--landmark-output expects 0..4096, got '%s'", optarg);
        break;
      case OPT_KEYPOINT_DIMS:
        if (cli_parse_int(optarg, 2, 16, &a->keypoint_dims) != 0)
          rc = cli_usage_error("compare", "--keypoint-dims expects 2..16, got '%s'", optarg);
        break;
      default:
        rc = cli_getopt_error("compare", c, argv);
        break;
    }
  }
  free(opts);
  if (rc >= 0) return rc;
  if (argc - optind < 2) return cli_usage_error("compare", "expected two models: FLOAT INT8");
  if (argc - optind > 2) return cli_usage_error("compare", "unexpected argument '%s'", argv[optind + 2]);
  a->ref = argv[optind];
  a->test = argv[optind + 1];
  if (a->data.n_paths == 0) return cli_usage_error("compare", "missing -d DATA (the samples to run)");
  return -1;
}

int cmd_compare(int argc, char **argv) {
  compare_args a;
  memset(&a, 0, sizeof a);
  a.single_rounding = NQ_DEFAULT_SINGLE_ROUNDING;
  cli_data_init(&a.data);
  int rc = parse_args(argc, argv, &a);
  if (rc == -2) return CLI_OK;
  if (rc >= 0) return rc;

  nq_error err = {0};
  cli_model_file rf, tf;
  nq_model *rm = NULL, *tm = NULL;
  cli_data *data = NULL;
  nq_sample_source src;
  nq_compare_report *cmp = NULL;
  int32_t *labels = NULL;
  size_t n_labels = 0;
  nq_compare_options co;
  memset(&co, 0, sizeof co);
  co.num_threads = (int)a.threads;
  co.single_rounding = a.single_rounding;
  co.kernels = (int)cli_kernels();
  co.per_tensor = a.tensors;
  co.task = a.task;
  co.detect_layout = a.layout;
  co.score_threshold = a.score_threshold;
  co.landmark_output = (int)a.landmark_output;
  co.keypoint_dims = (int)a.keypoint_dims;
  nq_status st = cli_load_model(a.ref, &rf, &rm, &err);
  if (st == NQ_OK) st = cli_load_model(a.test, &tf, &tm, &err);
  /* the report never lands on a model or data file */
  if (st == NQ_OK && a.report) st = nq_check_output_path(a.report, a.test, &err);
  for (int i = 0; st == NQ_OK && a.report && i < a.data.n_paths; i++)
    if (nq_same_file(a.report, a.data.paths[i]))
      st = nq_fail(&err, NQ_ERR_INVALID_ARG, "%s: refusing to write the report over the data file %s",
                   a.report, a.data.paths[i]);
  if (st == NQ_OK)
    st = cli_data_open(&a.data, a.data.paths, a.data.n_paths, rm, "comparing", &data, &src, &err);
  if (st == NQ_OK && a.labels) {
    st = cli_labels_load(a.labels, &a.data, data, rm, src.n_samples, &labels, &n_labels, &err);
  }
  if (st == NQ_OK) {
    co.labels = labels;
    co.n_labels = labels ? n_labels : 0;
    st = nq_compare_source(rm, tm, &src, &co, &cmp, &err);
  }
  cli_diagnosis diag;
  bool have_diag = false;
  if (st == NQ_OK && a.report) {
    st = cli_diagnose(rm, tm, &src, (int)a.threads, &diag, &err);
    have_diag = st == NQ_OK;
  }
  if (st == NQ_OK) {
    cli_report rep = {
        .command = "compare",
        .float_model = rm,
        .int8_model = tm,
        .float_path = a.ref,
        .int8_path = a.test,
        .float_bytes = rf.size,
        .int8_bytes = tf.size,
        .cmp = cmp,
        .n_samples = src.n_samples,
        .have_labels = labels != NULL,
        .single_rounding = co.single_rounding,
        .npu_target = a.report ? "imx8mp" : NULL,
        .diagnosis = have_diag ? &diag : NULL,
    };
    cli_report_print(&rep, a.json);
    if (a.report) st = cli_html_write(&rep, a.report, &err);
  }
  if (have_diag) cli_diagnosis_free(&diag);
  free(labels);
  nq_compare_report_free(cmp);
  cli_data_close(data);
  nq_model_free(rm);
  nq_model_free(tm);
  if (st != NQ_OK) return cli_fail_status(st, &err);
  return CLI_OK;
}
