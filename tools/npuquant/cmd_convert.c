/*
 * `npuquant convert MODEL -d DATA -o OUT.tflite`: the main job. Calibrate
 * the float model on representative samples, quantize it to a fully int8
 * TFLite model, write it atomically, and report how close it stays to the
 * float model (SQNR and top-1 agreement per output).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "cli_data.h"
#include "cli_diagnose.h"
#include "cli_gate.h"
#include "cli_html.h"
#include "cli_kernels.h"
#include "cli_labels.h"
#include "cli_model.h"
#include "cli_recipe.h"
#include "cli_report.h"
#include "json_out.h"

/* The help text splices in the shared data and loading option blocks and so
 * exceeds C99's 4095-character minimum for a literal; gcc and clang take it. */
#pragma GCC diagnostic ignored "-Woverlength-strings"

const char cmd_convert_help[] =
    "Usage: npuquant convert MODEL -d DATA [-d DATA2 ...] -o OUT.tflite [options]\n"
    "\n"
    "Turn a float model into a fully int8 TensorFlow Lite model that an NPU runs\n"
    "end to end. MODEL is a float .tflite, a Keras .h5 or .keras file, a\n"
    "TensorFlow SavedModel folder or frozen .pb, or an ONNX file (the format\n"
    "is detected from the file, never from a flag).\n"
    "The representative samples (DATA) are run through the float model to record\n"
    "every activation's range (global min/max, as TensorFlow's converter does);\n"
    "weights become symmetric int8 (per channel for convolutions unless\n"
    "--per-tensor), biases int32, and each op gets TFLite's int8 parameters.\n"
    "Afterwards the int8 model is run beside the float one and the SQNR and top-1\n"
    "agreement of every output are printed.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE       the int8 .tflite to write (atomically; never the input)\n"
    "  --per-tensor            one scale per weight tensor instead of per channel:\n"
    "                          what VeriSilicon NPUs (i.MX 8M Plus) run fastest\n"
    "  --equalize              cross-layer equalization of conv -> conv pairs first:\n"
    "                          the same float model, much better per-tensor int8\n"
    "                          (use with --per-tensor on depthwise-heavy nets); then\n"
    "                          by activation ranges, also through ReLU6\n"
    "  --tflite-version X.Y    refuse a model that TensorFlow Lite X.Y cannot run\n"
    "                          (an op version newer than that release; 2.4 on). The\n"
    "                          model's minimum release is written either way, as\n"
    "                          TensorFlow does (\"min_runtime_version\" metadata)\n"
    "  --recipe R              auto (default): try candidate recipes (calibration,\n"
    "                          equalization, bias correction) on 3/4 of the samples,\n"
    "                          keep the best by SQNR on the other 1/4, print the table\n"
    "                          and record the choice in the model's metadata;\n"
    "                          tf: TensorFlow's converter (min/max, nothing else).\n"
    "                          --calibration, --equalize, --bias-correct fix it instead\n"
    "  --labels FILE.npy       integer class labels, one per sample (in sample order):\n"
    "                          the automatic recipe keeps the candidate with the best\n"
    "                          held-out top-1 accuracy (SQNR breaks ties), and the\n"
    "                          report gives each model's accuracy on the samples\n"
    "  --labels folders[:MAP]  the labels from class folders (-d DATA with DATA/cat/,\n"
    "                          DATA/dog/...): class = the folder's position among\n"
    "                          DATA's folders sorted by name, or its line in MAP (one\n"
    "                          class name per line, in the model's output order)\n"
    "  --recipe-budget GMAC    auto: skip the candidates whose estimated cost (from\n"
    "                          the layers' multiply-accumulates and the sample counts,\n"
    "                          not the clock) would pass GMAC; default 2000, about a\n"
    "                          minute or two on 2 cores; -1: no limit\n"
    "  --min-sqnr DB           exit 5 when an output's SQNR is below DB (for CI); the\n"
    "                          file is then not written unless --keep-on-fail.\n"
    "                          Below 20 dB or 95% top-1 agreement a warning is printed\n"
    "  --keep-on-fail          write the int8 model even when --min-sqnr fails\n"
    "  --report FILE.html      also write the report as one self-contained HTML page\n"
    "                          (per-layer SQNR bars, activation histograms, weight\n"
    "                          ranges, the recipe table, the NPU report; implies\n"
    "                          --diagnose)\n"
    "  --diagnose              name the five layers that add the most error, with the\n"
    "                          likely cause and what to try (printed anyway when an\n"
    "                          output collapses below 20 dB or 95% top-1 agreement)\n"
    "  --calibration M         how activation ranges are chosen: minmax\n"
    "                          (TensorFlow's global min/max), percentile[:P] (clip\n"
    "                          the (100-P)/2 % tails, P default 99.99), mse (the\n"
    "                          clipping with least expected int8 error) or layerwise\n"
    "                          (one of those per tensor, by its held-out samples)\n"
    "  --bias-correct          after quantizing, run float and int8 layer by layer on\n"
    "                          the calibration samples and move each channel's mean\n"
    "                          error into its int32 bias (slower; helps per-tensor)\n"
    "  --weight-round M        nearest (default), clip (each layer's weight scale\n"
    "                          chosen by its output error on the calibration\n"
    "                          samples) or adaround (clip, then each weight rounded\n"
    "                          up or down by AdaRound; helps --per-tensor)\n"
    "  --input-type T          int8 (default), uint8 or float32: the model input's\n"
    "                          type. With uint8 and image preprocessing given by\n"
    "                          --mean/--std (or --range/--scale/--offset), the raw\n"
    "                          camera bytes are the input: scale = 1/std, zero point\n"
    "                          = mean; otherwise the calibrated range is used.\n"
    "  --output-type T         int8 (default), uint8 or float32 (keep float for\n"
    "                          embeddings and regression heads). With float32 the\n"
    "                          cheap ops after the last conv that int8 spoils\n"
    "                          (scores, box decoding, mixed-range concatenations)\n"
    "                          run in float on the CPU; a note names them\n"
    "  --no-float-tail         with float32 output, keep those ops int8 as well\n"
    "  --split-outputs         an output made by a CONCATENATION (boxes beside\n"
    "                          scores) becomes one output per part, OUTPUT:partK,\n"
    "                          each with its own scale; compare puts them back\n"
    "  --split-weights L       auto, or NODE[,NODE...]: a conv / depthwise / fully\n"
    "                          connected layer becomes two int8 layers whose weights\n"
    "                          add up (~16-bit weights, the layer's MACs twice) and\n"
    "                          an ADD; auto splits layers whose weight rounding alone\n"
    "                          is under 30 dB, worst first, within +25% MACs\n"
    "  --per-channel-fc        FULLY_CONNECTED weights per channel where one scale\n"
    "                          loses a weight row (Arm NN and old runtimes refuse it)\n"
    "  --activations A         int8 (default) or int16: TFLite's 16x8 quantization,\n"
    "                          int16 activations with int8 weights and int64 biases:\n"
    "                          about 48 dB more headroom per tensor for SiLU backbones\n"
    "                          and landmark heads. Ethos-U (Vela) runs most 16x8 ops;\n"
    "                          the i.MX 8M Plus NPU and the Edge TPU do not (those\n"
    "                          nodes fall back to the CPU), and CPU TFLite runs them\n"
    "                          with its reference kernels (no XNNPACK), slower. Ops\n"
    "                          TFLite has no int16 kernel for (HARD_SWISH, ...) stay\n"
    "                          int8 with a warning. Calibrates with min/max unless\n"
    "                          --calibration is given (no automatic recipe). With it\n"
    "                          --input-type/--output-type also take int16 (symmetric,\n"
    "                          zero point 0: the int16 tensors themselves)\n"
    "  --int16-layers L        only these nodes int16, the rest int8, QUANTIZE ops\n"
    "                          between: L is NODE[,NODE...] (a node's or its output\n"
    "                          tensor's name, as `npuquant inspect` or --diagnose\n"
    "                          print them) or auto (the layers whose int8 output loses\n"
    "                          most, within a tenth of the model's MACs)\n"
    "  --allow-float-fallback  keep ops that have no int8 form in float, with a\n"
    "                          warning (they will not run on the NPU); default: error\n"
    "  --eval-data PATH        measure SQNR/top-1 on these samples instead of the\n"
    "                          calibration samples (repeat once per input)\n"
    "  --eval-samples N        without --eval-data, measure on N calibration samples\n"
    "                          spread evenly over them (default 32; 0: all of them)\n"
    "  --npu TARGET            which nodes the NPU will not run: imx8mp (default: the\n"
    "                          i.MX 8M Plus through TFLite's VX delegate), ethos-u\n"
    "                          (Arm Ethos-U55/U65, Vela), edgetpu (Coral Edge TPU)\n"
    "                          or none (the CPU); with ethos-u or none, the automatic\n"
    "                          recipe may use 16x8 (int16 activations) where no int8\n"
    "                          candidate reaches 25 dB on every output part\n"
    "  --threads N             worker threads (default: one per core)\n"
    "  --kernels K             the fast kernels' code path for calibration and\n"
    "                          evaluation: auto (default), portable, avx2, neon (as\n"
    "                          for 'npuquant run'); ranges are snapped so that the\n"
    "                          model written is the same (docs/quantization.md)\n"
    "  --json                  print the report as JSON on stdout\n"
    "  -h, --help              show this text\n"
    "\n" CLI_DATA_HELP "\n" CLI_LOAD_HELP
    "\n"
    "Examples:\n"
    "  npuquant convert vww_96_float.tflite -d photos/ --range 0..1 -o vww_int8.tflite\n"
    "  npuquant convert net.tflite -d calib.npy --per-tensor --input-type uint8 \\\n"
    "      --mean 127.5 --std 127.5 -o net_int8.tflite\n"
    "\n"
    "Exit codes: 0 ok, 1 bad model or data, 2 usage error, 3 unsupported model\n"
    "feature (e.g. an op with no int8 form), 4 internal error, 5 an output below\n"
    "--min-sqnr.\n";

enum {
  OPT_PER_TENSOR = 256,
  OPT_INPUT_TYPE,
  OPT_OUTPUT_TYPE,
  OPT_FALLBACK,
  OPT_EVAL_DATA,
  OPT_THREADS,
  OPT_JSON,
  OPT_NPU,
  OPT_EQUALIZE,
  OPT_BIAS_CORRECT,
  OPT_CALIBRATION,
  OPT_TFLITE_VERSION,
  OPT_RECIPE,
  OPT_MIN_SQNR,
  OPT_KEEP_ON_FAIL,
  OPT_DIAGNOSE,
  OPT_REPORT,
  OPT_LABELS,
  OPT_EVAL_SAMPLES,
  OPT_RECIPE_BUDGET,
  OPT_WEIGHT_ROUND,
  OPT_NO_FLOAT_TAIL,
  OPT_PER_CHANNEL_FC,
  OPT_SPLIT_OUTPUTS,
  OPT_ACTIVATIONS,
  OPT_INT16_LAYERS,
  OPT_SPLIT_WEIGHTS,
};

typedef struct convert_args {
  const char *model, *out;
  cli_data_opts data;
  const char *eval_paths[CLI_DATA_MAX_INPUTS];
  int n_eval;
  nq_convert_options q;
  long threads;
  int json;
  const char *npu;        /* NPU target for the delegation report, NULL for none */
  const char *recipe_arg; /* --recipe as given, NULL: none */
  int explicit_flags;     /* --calibration, --equalize or --bias-correct given */
  cli_recipe recipe;
  double min_sqnr; /* --min-sqnr, NAN: no gate */
  int keep_on_fail;
  int diagnose;       /* --diagnose: the worst layers even when nothing collapsed */
  const char *report; /* --report FILE.html, NULL: none */
  const char *labels; /* --labels FILE.npy, NULL: none */
  long eval_samples;  /* --eval-samples: calibration samples evaluated, 0: all */
} convert_args;

static int parse_type(const char *s, nq_dtype *t) {
  if (strcmp(s, "int8") == 0)
    *t = NQ_INT8;
  else if (strcmp(s, "uint8") == 0)
    *t = NQ_UINT8;
  else if (strcmp(s, "float32") == 0 || strcmp(s, "float") == 0)
    *t = NQ_FLOAT32;
  else if (strcmp(s, "int16") == 0) /* with --activations int16 / --int16-layers only */
    *t = NQ_INT16;
  else
    return -1;
  return 0;
}

static int parse_args(int argc, char **argv, convert_args *a) {
  static const struct option own[] = {
      {"output", required_argument, NULL, 'o'},
      {"per-tensor", no_argument, NULL, OPT_PER_TENSOR},
      {"input-type", required_argument, NULL, OPT_INPUT_TYPE},
      {"output-type", required_argument, NULL, OPT_OUTPUT_TYPE},
      {"allow-float-fallback", no_argument, NULL, OPT_FALLBACK},
      {"no-float-tail", no_argument, NULL, OPT_NO_FLOAT_TAIL},
      {"split-outputs", no_argument, NULL, OPT_SPLIT_OUTPUTS},
      {"split-weights", required_argument, NULL, OPT_SPLIT_WEIGHTS},
      {"per-channel-fc", no_argument, NULL, OPT_PER_CHANNEL_FC},
      {"activations", required_argument, NULL, OPT_ACTIVATIONS},
      {"int16-layers", required_argument, NULL, OPT_INT16_LAYERS},
      {"eval-data", required_argument, NULL, OPT_EVAL_DATA},
      {"threads", required_argument, NULL, OPT_THREADS},
      {"json", no_argument, NULL, OPT_JSON},
      {"npu", required_argument, NULL, OPT_NPU},
      {"equalize", no_argument, NULL, OPT_EQUALIZE},
      {"bias-correct", no_argument, NULL, OPT_BIAS_CORRECT},
      {"calibration", required_argument, NULL, OPT_CALIBRATION},
      {"tflite-version", required_argument, NULL, OPT_TFLITE_VERSION},
      {"recipe", required_argument, NULL, OPT_RECIPE},
      {"min-sqnr", required_argument, NULL, OPT_MIN_SQNR},
      {"keep-on-fail", no_argument, NULL, OPT_KEEP_ON_FAIL},
      {"diagnose", no_argument, NULL, OPT_DIAGNOSE},
      {"report", required_argument, NULL, OPT_REPORT},
      {"labels", required_argument, NULL, OPT_LABELS},
      {"eval-samples", required_argument, NULL, OPT_EVAL_SAMPLES},
      {"recipe-budget", required_argument, NULL, OPT_RECIPE_BUDGET},
      {"weight-round", required_argument, NULL, OPT_WEIGHT_ROUND},
      {"help", no_argument, NULL, 'h'},
      {0, 0, 0, 0},
  };
  struct option *with_data = cli_merge_longopts(own, cli_data_longopts);
  struct option *with_load = with_data ? cli_merge_longopts(with_data, cli_load_longopts) : NULL;
  struct option *opts = with_load ? cli_merge_longopts(with_load, cli_kernels_longopts) : NULL;
  free(with_data);
  free(with_load);
  if (!opts) return cli_usage_error("convert", "out of memory"), CLI_ERR_INTERNAL;
  int rc = -1, c;
  opterr = 0;
  optind = 1;
  while (rc < 0 && (c = getopt_long(argc, argv, ":ho:d:", opts, NULL)) != -1) {
    int lr = cli_load_option(c, optarg);
    if (lr < 0) rc = CLI_ERR_USAGE;
    if (lr != 0) continue;
    int r = cli_data_option("convert", c, optarg, &a->data);
    if (r == 0) r = cli_kernels_option("convert", c, optarg);
    if (r < 0) rc = CLI_ERR_USAGE;
    if (r != 0) continue;
    switch (c) {
      case 'h':
        cli_print_help(cmd_convert_help);
        free(opts);
        return -2;
      case 'o':
        a->out = optarg;
        break;
      case OPT_PER_TENSOR:
        a->q.per_tensor = 1;
        break;
      case OPT_EQUALIZE:
        a->q.equalize = 1, a->explicit_flags = 1;
        break;
      case OPT_BIAS_CORRECT:
        a->q.bias_correct = 1, a->explicit_flags = 1;
        break;
      case OPT_WEIGHT_ROUND:
        a->explicit_flags = 1;
        if (strcmp(optarg, "nearest") == 0)
          a->q.weight_round = 0;
        else if (strcmp(optarg, "clip") == 0)
          a->q.weight_round = 1;
        else if (strcmp(optarg, "adaround") == 0)
          a->q.weight_round = 2;
        else
          rc = cli_usage_error("convert", "--weight-round expects nearest, clip or adaround, got '%s'",
                               optarg);
        break;
      case OPT_RECIPE:
        a->recipe_arg = optarg;
        if (cli_recipe_parse(optarg, &a->recipe.mode) != 0)
          rc = cli_usage_error("convert",
                               "--recipe expects auto or tf (or give --calibration, --equalize, "
                               "--bias-correct instead), got '%s'",
                               optarg);
        break;
      case OPT_RECIPE_BUDGET: {
        char *end = NULL;
        double b = strtod(optarg, &end);
        if (!*optarg || !end || *end || !isfinite(b) || (b <= 0 && b != -1))
          rc = cli_usage_error("convert",
                               "--recipe-budget expects GMAC above 0, or -1 for no limit, got '%s'", optarg);
        else
          a->q.recipe_budget = b;
        break;
      }
      case OPT_MIN_SQNR: {
        char *end = NULL;
        a->min_sqnr = strtod(optarg, &end);
        if (!*optarg || !end || *end || !isfinite(a->min_sqnr) || a->min_sqnr < -100 || a->min_sqnr > 300)
          rc = cli_usage_error("convert", "--min-sqnr expects a number of dB (-100..300), got '%s'", optarg);
        break;
      }
      case OPT_KEEP_ON_FAIL:
        a->keep_on_fail = 1;
        break;
      case OPT_EVAL_SAMPLES:
        if (cli_parse_int(optarg, 0, 1000000000, &a->eval_samples) != 0)
          rc = cli_usage_error("convert", "--eval-samples expects 0 (all) or a count, got '%s'", optarg);
        break;
      case OPT_DIAGNOSE:
        a->diagnose = 1;
        break;
      case OPT_REPORT:
        a->report = optarg, a->diagnose = 1;
        break;
      case OPT_LABELS:
        a->labels = optarg;
        break;
      case OPT_CALIBRATION: {
        nq_error e = {0};
        a->explicit_flags = 1;
        if (nq_convert_options_set_calibration(&a->q, optarg, &e) != NQ_OK)
          rc = cli_usage_error("convert", "%s", e.msg);
        break;
      }
      case OPT_INPUT_TYPE:
        if (parse_type(optarg, &a->q.input_type) != 0)
          rc = cli_usage_error("convert", "--input-type expects int8, uint8 or float32, got '%s'", optarg);
        break;
      case OPT_OUTPUT_TYPE:
        if (parse_type(optarg, &a->q.output_type) != 0)
          rc = cli_usage_error("convert", "--output-type expects int8, uint8 or float32, got '%s'", optarg);
        break;
      case OPT_FALLBACK:
        a->q.allow_float_fallback = 1;
        break;
      case OPT_NO_FLOAT_TAIL:
        a->q.no_float_tail = 1;
        break;
      case OPT_PER_CHANNEL_FC:
        a->q.per_channel_fc = 1;
        break;
      case OPT_SPLIT_OUTPUTS:
        a->q.split_outputs = 1;
        break;
      case OPT_ACTIVATIONS:
        if (strcmp(optarg, "int8") == 0 || strcmp(optarg, "int16") == 0)
          a->q.activations_int16 = strcmp(optarg, "int16") == 0;
        else
          rc = cli_usage_error("convert", "--activations expects int8 or int16, got '%s'", optarg);
        break;
      case OPT_INT16_LAYERS:
        if (!*optarg)
          rc = cli_usage_error("convert", "--int16-layers expects NODE[,NODE...] or auto, got ''");
        else
          a->q.int16_layers = optarg;
        break;
      case OPT_SPLIT_WEIGHTS:
        if (!*optarg)
          rc = cli_usage_error("convert", "--split-weights expects auto or NODE[,NODE...], got ''");
        else
          a->q.split_weights = optarg;
        break;
      case OPT_TFLITE_VERSION:
        if (nq_tflite_parse_release(optarg) < NQ_TFLITE_OLDEST_RELEASE)
          rc = cli_usage_error(
              "convert", "--tflite-version expects a release from 2.4 on (2.9 or 2.9.0), got '%s'", optarg);
        else
          a->q.tflite_version = optarg;
        break;
      case OPT_EVAL_DATA:
        if (a->n_eval >= CLI_DATA_MAX_INPUTS)
          rc = cli_usage_error("convert", "too many --eval-data options");
        else
          a->eval_paths[a->n_eval++] = optarg;
        break;
      case OPT_THREADS:
        if (cli_parse_int(optarg, 0, 1024, &a->threads) != 0)
          rc = cli_usage_error("convert", "--threads expects 0..1024, got '%s'", optarg);
        break;
      case OPT_JSON:
        a->json = 1;
        break;
      case OPT_NPU:
        if (strcmp(optarg, "none") == 0)
          a->npu = NULL;
        else if (nq_npu_target_is_known(optarg))
          a->npu = optarg;
        else
          rc = cli_usage_error("convert", "--npu expects %s or none, got '%s'", nq_npu_targets(), optarg);
        break;
      default:
        rc = cli_getopt_error("convert", c, argv);
        break;
    }
  }
  free(opts);
  if (rc >= 0) return rc;
  if (optind >= argc) return cli_usage_error("convert", "missing MODEL");
  if (optind + 1 < argc) return cli_usage_error("convert", "unexpected argument '%s'", argv[optind + 1]);
  a->model = argv[optind];
  if (a->recipe_arg && a->explicit_flags)
    return cli_usage_error("convert",
                           "--recipe %s and --calibration/--equalize/--bias-correct exclude each other",
                           a->recipe_arg);
  if (a->explicit_flags) a->recipe.mode = CLI_RECIPE_EXPLICIT;
  /* the automatic recipe measures int8 candidates: 16x8 calibrates as TensorFlow does */
  bool int16 = a->q.activations_int16 || a->q.int16_layers;
  if (int16 && a->recipe_arg && a->recipe.mode == CLI_RECIPE_AUTO)
    return cli_usage_error("convert", "--recipe auto does not combine with int16 activations (yet)");
  if (!int16 && (a->q.input_type == NQ_INT16 || a->q.output_type == NQ_INT16))
    return cli_usage_error("convert",
                           "--%s-type int16 needs int16 activations (--activations int16 or "
                           "--int16-layers)",
                           a->q.input_type == NQ_INT16 ? "input" : "output");
  if (int16 && (a->q.bias_correct || a->q.weight_round))
    return cli_usage_error("convert", "%s does not combine with int16 activations (yet)",
                           a->q.bias_correct ? "--bias-correct" : "--weight-round");
  if (int16 && a->recipe.mode == CLI_RECIPE_AUTO) a->recipe.mode = CLI_RECIPE_TF;
  a->q.recipe_auto = a->recipe.mode == CLI_RECIPE_AUTO;
  /* the CPU (--npu none) and Ethos-U run 16x8; the VX delegate and the Edge TPU do not */
  a->q.recipe_int16 = !a->npu || nq_npu_target_runs_int16x8(a->npu);
  if (!a->out || !*a->out) return cli_usage_error("convert", "missing -o OUT.tflite");
  if (a->data.n_paths == 0) return cli_usage_error("convert", "missing -d DATA (the representative samples)");
  return -1;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void print_warning(void *ctx, const char *msg) {
  (void)ctx;
  char safe[1024];
  fprintf(stderr, "npuquant: warning: %s\n", cli_printable(msg, safe, sizeof safe));
}

/* What convert calibrates on (the library's data checks), on stderr beside
 * the warnings so that --json output stays one object. */
static void print_note(void *ctx, nq_note_topic topic, const char *msg) {
  (void)ctx;
  char safe[1024];
  /* what the samples look like is marked as such; the library's other notes
   * (recipe, float tail, splits, 16x8) say what they are about themselves */
  fprintf(stderr, "npuquant: %s%s\n", topic == NQ_NOTE_DATA ? "data: " : "",
          cli_printable(msg, safe, sizeof safe));
}

/* With --input-type uint8 and an affine image preprocessing that is the
 * same for every channel, raw bytes become the model input directly. */
static void choose_uint8_mapping(convert_args *a, const cli_data *d) {
  if (a->q.input_type != NQ_UINT8 || !a->data.have_norm) return;
  const nq_preprocess *pp = cli_data_preprocess(d);
  /* The channels that have their own mean/std (the layout, which may come
   * from the model, does not matter: one value applies to every channel). */
  int ch = pp->n_mean > pp->n_std ? pp->n_mean : pp->n_std;
  if (ch < 1) ch = 1;
  if (ch > NQ_PP_MAX_CHANNELS) ch = NQ_PP_MAX_CHANNELS;
  float a0, b0;
  nq_preprocess_affine(pp, 0, &a0, &b0);
  for (int c = 1; c < ch; c++) {
    float ac, bc;
    nq_preprocess_affine(pp, c, &ac, &bc);
    if (ac != a0 || bc != b0) {
      fprintf(stderr,
              "npuquant: warning: per-channel mean/std differ, so one uint8 scale cannot map raw bytes; "
              "the uint8 input uses the calibrated range instead\n");
      return;
    }
  }
  if (!(a0 > 0)) return;
  a->q.input_from_bytes = 1;
  a->q.input_std = 1.0f / a0;
  a->q.input_mean = -b0 / a0;
}

/* The calibration samples the evaluation reruns: evaluating the int8 and
 * float models on every one of hundreds of calibration samples took most of
 * a big model's convert time (resnet50: 517 of 615 s) and measures nothing
 * new past a few dozen (they are in-sample anyway). Sample k of m is k * n /
 * m: spread evenly, the same every run. */
typedef struct eval_subset {
  const nq_sample_source *all;
  int n;
} eval_subset;

static int eval_index(const eval_subset *e, int k) { return (int)((long long)k * e->all->n_samples / e->n); }

static nq_status eval_subset_fill(void *ctx, int k, int input, float *dst, size_t n, nq_error *err) {
  const eval_subset *e = ctx;
  if (k < 0 || k >= e->n) return nq_fail(err, NQ_ERR_INTERNAL, "evaluation sample %d of %d", k, e->n);
  return e->all->fill(e->all->ctx, eval_index(e, k), input, dst, n, err);
}

static const char *eval_subset_name(void *ctx, int k) {
  const eval_subset *e = ctx;
  if (!e->all->name || k < 0 || k >= e->n) return NULL;
  return e->all->name(e->all->ctx, eval_index(e, k));
}

static void eval_subset_source(eval_subset *e, const nq_sample_source *all, long limit,
                               nq_sample_source *out) {
  e->all = all;
  e->n = limit > 0 && limit < all->n_samples ? (int)limit : all->n_samples;
  *out = *all;
  out->n_samples = e->n;
  out->fill = eval_subset_fill;
  out->name = eval_subset_name;
  out->ctx = e;
}

static size_t file_size(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 ? (size_t)st.st_size : 0;
}

int cmd_convert(int argc, char **argv) {
  convert_args a;
  memset(&a, 0, sizeof a);
  cli_data_init(&a.data);
  nq_convert_options_init(&a.q);
  a.q.warn = print_warning;
  a.min_sqnr = NAN;
  a.q.recipe_candidate = cli_recipe_on_candidate;
  a.q.recipe_user = &a.recipe;
  a.npu = "imx8mp";
  a.eval_samples = 32;
  int rc = parse_args(argc, argv, &a);
  if (rc == -2) return CLI_OK;
  if (rc >= 0) return rc;
  if (!a.data.quiet) a.q.topic_note = print_note;

  nq_error err = {0};
  cli_report_times times = {0};
  double t0 = now_s();
  cli_model_file mf;
  nq_model *fm = NULL, *qm = NULL;
  nq_status st = cli_load_model(a.model, &mf, &fm, &err);
  /* Refuse the output before any work: the model's files are now recorded. */
  if (st == NQ_OK) st = nq_check_output_path(a.out, a.model, &err);
  if (st == NQ_OK && a.report) st = nq_check_output_path(a.report, a.model, &err);
  if (st == NQ_OK && a.report && (strcmp(a.report, a.out) == 0 || nq_same_file(a.report, a.out)))
    st = nq_fail(&err, NQ_ERR_INVALID_ARG, "--report %s is the -o file too: give them different names",
                 a.report);
  if (st != NQ_OK) {
    nq_model_free(fm);
    return cli_fail_status(st, &err);
  }
  times.load = now_s() - t0;

  nq_compare_options co;
  memset(&co, 0, sizeof co);
  co.num_threads = (int)a.threads;
  co.single_rounding = NQ_DEFAULT_SINGLE_ROUNDING; /* evaluate as the target runs it */
  a.q.num_threads = (int)a.threads;
  co.kernels = a.q.kernels = (int)cli_kernels();

  cli_data *calib = NULL, *eval = NULL;
  nq_sample_source csrc, esrc;
  nq_compare_report *cmp = NULL;
  st = cli_data_open(&a.data, a.data.paths, a.data.n_paths, fm, "calibrating", &calib, &csrc, &err);
  int32_t *labels = NULL;
  size_t n_labels = 0;
  if (st == NQ_OK && a.labels) {
    st = cli_labels_load(a.labels, &a.data, calib, fm, csrc.n_samples, &labels, &n_labels, &err);
    a.q.labels = labels;
    a.q.n_labels = n_labels;
    /* the labels belong to the calibration samples, not to --eval-data */
    if (a.n_eval == 0) {
      co.labels = labels;
      co.n_labels = n_labels;
    }
  }
  nq_convert_stats rep = {.struct_size = sizeof rep};
  if (st == NQ_OK) {
    choose_uint8_mapping(&a, calib);
    a.q.progress = cli_data_stage_progress;
    a.q.progress_user = calib;
    a.recipe.progress = !a.json && !a.data.quiet;
    st = nq_convert_source(fm, &csrc, &a.q, &qm, &rep, &err);
  }
  if (st == NQ_OK) cli_recipe_finish(&a.recipe, &a.q, &rep);
  times.calibrate = rep.seconds_calibrate;
  times.quantize = rep.seconds_quantize;
  if (st == NQ_OK && !a.json && rep.rewritten_for_int8)
    fprintf(stderr,
            "npuquant: %d NEG/SQUARE node%s computed as MUL (TFLite's int8 NEG and SQUARE ignore scales)\n",
            rep.rewritten_for_int8, rep.rewritten_for_int8 == 1 ? "" : "s");
  if (st == NQ_OK && !a.json && a.q.equalize)
    fprintf(stderr, "npuquant: equalized %d conv -> conv pair%s\n", rep.equalized_pairs,
            rep.equalized_pairs == 1 ? "" : "s");
  if (st == NQ_OK && !a.json && a.q.bias_correct)
    fprintf(stderr, "npuquant: bias correction changed %d layer%s\n", rep.bias_corrected_layers,
            rep.bias_corrected_layers == 1 ? "" : "s");
  if (st == NQ_OK && !a.json && rep.int16_nodes > 0)
    fprintf(stderr, "npuquant: %d node%s compute%s int16 activations (16x8)\n", rep.int16_nodes,
            rep.int16_nodes == 1 ? "" : "s", rep.int16_nodes == 1 ? "s" : "");
  if (st == NQ_OK && !a.json && a.q.weight_round)
    fprintf(stderr,
            "npuquant: weight rounding changed %d layer%s (mean layer output SQNR on the calibration samples "
            "%.2f -> %.2f dB)\n",
            rep.weight_rounded_layers, rep.weight_rounded_layers == 1 ? "" : "s", rep.weight_round_before_db,
            rep.weight_round_after_db);
  for (int i = 0; st == NQ_OK && i < a.data.n_paths + a.n_eval; i++) {
    const char *in = i < a.data.n_paths ? a.data.paths[i] : a.eval_paths[i - a.data.n_paths];
    if (nq_same_file(a.out, in))
      st = nq_fail(&err, NQ_ERR_INVALID_ARG, "%s: refusing to write over the data file %s", a.out, in);
  }
  /* Evaluate before writing, so a model below --min-sqnr is never written
   * unless --keep-on-fail asks for it. */
  t0 = now_s();
  nq_status eval_st = NQ_OK;
  nq_error eval_err = {0};
  eval_subset some;
  nq_sample_source ssrc;
  int32_t *eval_labels = NULL;
  if (st == NQ_OK) {
    eval_subset_source(&some, &csrc, a.eval_samples, &ssrc);
    nq_sample_source *src = &ssrc;
    if (co.labels && ssrc.n_samples < csrc.n_samples) {
      /* the labels of the evaluated subset, in its order */
      eval_labels = malloc(sizeof *eval_labels * (size_t)ssrc.n_samples);
      if (!eval_labels) {
        eval_st = nq_fail(&eval_err, NQ_ERR_NOMEM, "out of memory for the evaluation's labels");
      } else {
        for (int k = 0; k < ssrc.n_samples; k++) eval_labels[k] = labels[eval_index(&some, k)];
        co.labels = eval_labels;
        co.n_labels = (size_t)ssrc.n_samples;
      }
    }
    if (a.n_eval > 0) {
      eval_st = cli_data_open(&a.data, a.eval_paths, a.n_eval, fm, "evaluating", &eval, &esrc, &eval_err);
      src = &esrc;
      /* class folders label --eval-data's samples as well */
      size_t n_eval_labels = 0;
      if (eval_st == NQ_OK && cli_labels_are_folders(a.labels))
        eval_st = cli_folder_labels(a.labels, a.eval_paths[0], eval, fm, esrc.n_samples, &eval_labels,
                                    &n_eval_labels, &eval_err);
      if (eval_st == NQ_OK && cli_labels_are_folders(a.labels))
        eval_st = cli_same_class_folders(a.labels, a.eval_paths[0], a.data.paths[0], &eval_err);
      if (eval_labels) {
        co.labels = eval_labels;
        co.n_labels = n_eval_labels;
      }
    }
    if (eval_st == NQ_OK) eval_st = nq_compare_source(fm, qm, src, &co, &cmp, &eval_err);
    /* a 16x8 layer our executor has no kernel for: TFLite runs the model, we cannot measure it */
    if (eval_st != NQ_OK && rep.int16_nodes > 0 && strstr(eval_err.msg, "int16")) {
      fprintf(stderr, "npuquant: warning: no SQNR: npuquant's executor cannot run this 16x8 model yet (%s)\n",
              eval_err.msg);
      eval_st = NQ_OK;
    }
  }
  times.evaluate = now_s() - t0;
  bool collapsed = false, gate_failed = false;
  if (st == NQ_OK && eval_st == NQ_OK) gate_failed = cli_gate_check(cmp, a.min_sqnr, false, &collapsed);
  /* A collapsed model says where: the worst layers with causes. */
  cli_diagnosis diag;
  bool have_diag = false;
  if (st == NQ_OK && eval_st == NQ_OK && (collapsed || a.diagnose)) {
    eval_st = cli_diagnose(fm, qm, a.n_eval > 0 ? &esrc : &ssrc, (int)a.threads, &diag, &eval_err);
    have_diag = eval_st == NQ_OK;
  }
  t0 = now_s();
  if (st == NQ_OK && (!gate_failed || a.keep_on_fail)) st = nq_model_save_tflite(qm, a.out, &err);
  times.write = now_s() - t0;
  if (st == NQ_OK && eval_st != NQ_OK) {
    st = eval_st;
    err = eval_err;
    nq_prefix(&err, "%s was written, but evaluating it failed: ", a.out);
  }
  if (st == NQ_OK) {
    cli_report report = {
        .command = "convert",
        .float_model = fm,
        .int8_model = qm,
        .float_path = a.model,
        .int8_path = gate_failed && !a.keep_on_fail ? NULL : a.out,
        .float_bytes = mf.size,
        .int8_bytes = gate_failed && !a.keep_on_fail ? 0 : file_size(a.out),
        .times = &times,
        .cmp = cmp,
        .n_samples = a.n_eval > 0 ? esrc.n_samples : ssrc.n_samples,
        .n_samples_of = a.n_eval > 0 ? esrc.n_samples : csrc.n_samples,
        .eval_is_calibration = a.n_eval == 0,
        .have_labels = co.labels != NULL,
        .npu_target = a.npu,
        .single_rounding = co.single_rounding,
        .recipe = &a.recipe,
        .diagnosis = have_diag ? &diag : NULL,
    };
    cli_report_print(&report, a.json);
    /* never over a data file, as for -o */
    for (int i = 0; a.report && i < a.data.n_paths + a.n_eval; i++) {
      const char *in = i < a.data.n_paths ? a.data.paths[i] : a.eval_paths[i - a.data.n_paths];
      if (nq_same_file(a.report, in))
        st = nq_fail(&err, NQ_ERR_INVALID_ARG, "%s: refusing to write the report over the data file %s",
                     a.report, in);
    }
    if (st == NQ_OK && a.report) st = cli_html_write(&report, a.report, &err);
  }
  if (have_diag) cli_diagnosis_free(&diag);
  nq_compare_report_free(cmp);
  cli_data_close(calib);
  cli_data_close(eval);
  free(labels);
  free(eval_labels);
  nq_model_free(qm);
  nq_model_free(fm);
  if (st != NQ_OK) return cli_fail_status(st, &err);
  if (gate_failed) {
    cli_error("the int8 model is below --min-sqnr %.2f dB: %s", a.min_sqnr,
              a.keep_on_fail ? "written anyway (--keep-on-fail)" : "not written (--keep-on-fail writes it)");
    return CLI_ERR_QUALITY;
  }
  return CLI_OK;
}
