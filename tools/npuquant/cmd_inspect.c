/*
 * `npuquant inspect MODEL [--tensors] [--json]`: what a model is, for a
 * person (text) or a program (--json). Every fact comes from the public
 * nq_model_* accessors.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_model.h"
#include "cli_report.h"
#include "json_out.h"

const char cmd_inspect_help[] =
    "Usage: npuquant inspect MODEL [--tensors] [--json] [--npu T]\n"
    "\n"
    "Describe a model file (any format npuquant reads: .tflite, Keras .h5/.keras,\n"
    "SavedModel folder, frozen .pb, ONNX) without running it:\n"
    "  - the file, its format and size;\n"
    "  - every model input and output: name, type, shape and quantization\n"
    "    (scale and zero point, or the per-axis count and axis), with the formula\n"
    "    that turns a stored integer q into the real value it stands for, e.g.\n"
    "      real = (q - (-128)) * 0.0039215689\n"
    "    and, for 8-bit inputs, how raw 0..255 pixels map onto it;\n"
    "  - the operators: name (a custom op also by its own name), version, how\n"
    "    many nodes use each and the first\n"
    "    TensorFlow Lite release that runs that version (TFLite's own table,\n"
    "    runtime_version.cc), and that release for the whole model;\n"
    "  - the number of tensors, the bytes of constant data per type and the\n"
    "    parameter count (elements of all constant tensors);\n"
    "  - signatures (named entry points) and metadata entries by name.\n"
    "\n"
    "Options:\n"
    "  --tensors   also list every tensor: index, type, shape, constant or not,\n"
    "              bytes, quantization and name\n"
    "  --json      print the same facts as one JSON object on stdout; keys:\n"
    "              file, format, size_bytes, description, inputs, outputs,\n"
    "              min_tflite (the model's release, or null), ops,\n"
    "              num_tensors, num_operators, num_constant_tensors,\n"
    "              constant_bytes {type: bytes}, parameters, signatures, metadata,\n"
    "              and tensors (with --tensors). inputs/outputs entries are\n"
    "              {name, shape, type, scale[], zero_point[], quantized_dimension};\n"
    "              ops entries are {op, version, count, min_tflite}, sorted by op\n"
    "              then version; CUSTOM entries also carry custom_code (the\n"
    "              custom op's own name) and are counted per custom code\n"
    "  --npu T     also list the nodes NPU T would leave to the CPU, and why.\n"
    "              T: imx8mp (i.MX 8M Plus, TFLite's VX delegate), ethos-u\n"
    "              (Arm Ethos-U55/U65, Vela), edgetpu (Coral Edge TPU compiler)\n"
    "  -h, --help  show this text\n"
    "\n" CLI_LOAD_HELP
    "\n"
    "A version shown is the one stored in the file; for a node npuquant created\n"
    "it is the version the TFLite writer would write.\n"
    "\n"
    "Examples:\n"
    "  npuquant inspect mobilenet_v2.tflite\n"
    "  npuquant inspect model_int8.tflite --tensors\n"
    "  npuquant inspect model_int8.tflite --json > facts.json\n"
    "\n"
    "Exit codes: 0 ok, 1 unreadable or malformed model, 2 usage error,\n"
    "3 unsupported op or type, 4 internal error.\n";

typedef struct op_count {
  const char *op;
  const char *custom; /* a CUSTOM op's own name ("" when it has none); NULL for builtins */
  int version;
  int count;
  int min_release; /* the TFLite release that first runs (op, version); 0 unknown */
} op_count;

static int cmp_op_count(const void *a, const void *b) {
  const op_count *x = a, *y = b;
  int c = strcmp(x->op, y->op);
  if (c) return c;
  c = strcmp(x->custom ? x->custom : "", y->custom ? y->custom : "");
  if (c) return c;
  return (x->version > y->version) - (x->version < y->version);
}

/* Op (name, version) counts sorted by name then version. Returns the number
 * of distinct entries; *out is malloc'd (NULL when the model has no nodes). */
static int count_ops(const nq_model *m, op_count **out) {
  *out = NULL;
  int n_nodes = nq_model_num_nodes(m);
  if (n_nodes == 0) return 0;
  op_count *v = calloc((size_t)n_nodes, sizeof *v);
  if (!v) return -1;
  for (int i = 0; i < n_nodes; i++) {
    nq_node_info nd;
    if (nq_model_node(m, i, &nd, NULL) != NQ_OK) {
      free(v);
      return -1;
    }
    v[i].op = nd.op;
    /* Custom ops are counted per custom code: "CUSTOM" alone says nothing
     * about what the node computes or whether a runtime has it. */
    v[i].custom = nd.custom_code ? nd.custom_code : (strcmp(nd.op, "CUSTOM") == 0 ? "" : NULL);
    /* The file's version when there is one; otherwise what our writer picks. */
    v[i].version = nd.version;
    v[i].min_release = nd.min_tflite;
    v[i].count = 1;
  }
  qsort(v, (size_t)n_nodes, sizeof *v, cmp_op_count);
  int k = 0;
  for (int i = 0; i < n_nodes; i++) {
    if (k > 0 && cmp_op_count(&v[k - 1], &v[i]) == 0)
      v[k - 1].count++;
    else
      v[k++] = v[i];
  }
  *out = v;
  return k;
}

typedef struct model_totals {
  int n_constant;
  size_t const_bytes[NQ_DTYPE_COUNT];
  size_t parameters;
} model_totals;

static nq_status sum_constants(const nq_model *m, model_totals *t, nq_error *err) {
  memset(t, 0, sizeof *t);
  int n = nq_model_num_tensors(m);
  for (int i = 0; i < n; i++) {
    nq_tensor_info ti;
    CLI_TRY(nq_model_tensor(m, i, &ti, err));
    if (!ti.is_constant) continue;
    t->n_constant++;
    if ((unsigned)ti.type < NQ_DTYPE_COUNT) t->const_bytes[ti.type] += ti.nbytes;
    size_t es = nq_dtype_size(ti.type);
    t->parameters += es ? ti.nbytes / es : 0;
  }
  return NQ_OK;
}

/* ---- JSON ---- */

static void json_tensor_fields(json_out *j, const nq_tensor_info *t) {
  json_string(j, "name", t->name ? t->name : "");
  json_begin_array(j, "shape");
  for (int d = 0; d < t->rank; d++) json_int(j, NULL, t->shape[d]);
  json_end_array(j);
  json_string(j, "type", nq_dtype_name(t->type));
  json_begin_array(j, "scale");
  for (int k = 0; k < t->n_params; k++) json_float(j, NULL, t->scale[k]);
  json_end_array(j);
  json_begin_array(j, "zero_point");
  for (int k = 0; k < t->n_params; k++) json_int(j, NULL, (long long)t->zero_point[k]);
  json_end_array(j);
  json_int(j, "quantized_dimension", t->n_params > 0 ? t->axis : 0);
}

static nq_status json_io(json_out *j, const nq_model *m, int outputs, nq_error *err) {
  int n = outputs ? nq_model_num_outputs(m) : nq_model_num_inputs(m);
  json_begin_array(j, outputs ? "outputs" : "inputs");
  for (int i = 0; i < n; i++) {
    nq_tensor_info t;
    CLI_TRY(outputs ? nq_model_output(m, i, &t, err) : nq_model_input(m, i, &t, err));
    json_begin_object(j, NULL);
    json_tensor_fields(j, &t);
    json_end_object(j);
  }
  json_end_array(j);
  return NQ_OK;
}

/* --npu TARGET: also report which nodes that NPU leaves to the CPU. */
static const char *npu_target;

static nq_status print_json(const cli_model_file *mf, const nq_model *m, const op_count *ops, int n_ops,
                            const model_totals *tot, int with_tensors, nq_error *err) {
  json_out j;
  json_init(&j, stdout);
  json_begin_object(&j, NULL);
  json_string(&j, "file", mf->path);
  json_string(&j, "format", mf->format);
  json_int(&j, "size_bytes", (long long)mf->size);
  json_string(&j, "description", nq_model_description(m));
  CLI_TRY(json_io(&j, m, 0, err));
  CLI_TRY(json_io(&j, m, 1, err));
  char rb[16];
  int model_release = nq_model_min_tflite_release(m, NULL);
  json_string(&j, "min_tflite", model_release ? nq_tflite_release_name(model_release, rb, sizeof rb) : NULL);
  json_begin_array(&j, "ops");
  for (int i = 0; i < n_ops; i++) {
    json_begin_object(&j, NULL);
    json_string(&j, "op", ops[i].op);
    if (ops[i].custom) json_string(&j, "custom_code", ops[i].custom);
    json_int(&j, "version", ops[i].version);
    json_int(&j, "count", ops[i].count);
    json_string(&j, "min_tflite",
                ops[i].min_release ? nq_tflite_release_name(ops[i].min_release, rb, sizeof rb) : NULL);
    json_end_object(&j);
  }
  json_end_array(&j);
  json_int(&j, "num_tensors", nq_model_num_tensors(m));
  json_int(&j, "num_operators", nq_model_num_nodes(m));
  json_int(&j, "num_constant_tensors", tot->n_constant);
  json_begin_object(&j, "constant_bytes");
  for (int t = 0; t < NQ_DTYPE_COUNT; t++)
    if (tot->const_bytes[t]) json_int(&j, nq_dtype_name((nq_dtype)t), (long long)tot->const_bytes[t]);
  json_end_object(&j);
  json_int(&j, "parameters", (long long)tot->parameters);
  json_begin_array(&j, "signatures");
  for (int s = 0; s < nq_model_num_signatures(m); s++) {
    nq_signature_info sg;
    CLI_TRY(nq_model_signature(m, s, &sg, err));
    json_begin_object(&j, NULL);
    json_string(&j, "key", sg.key ? sg.key : "");
    for (int side = 0; side < 2; side++) {
      json_begin_array(&j, side ? "outputs" : "inputs");
      int n = side ? sg.n_outputs : sg.n_inputs;
      for (int k = 0; k < n; k++) {
        nq_signature_entry e;
        CLI_TRY(nq_model_signature_entry(m, s, side, k, &e, err));
        json_begin_object(&j, NULL);
        json_string(&j, "name", e.name ? e.name : "");
        json_int(&j, "tensor", e.tensor);
        json_end_object(&j);
      }
      json_end_array(&j);
    }
    json_end_object(&j);
  }
  json_end_array(&j);
  json_begin_array(&j, "metadata");
  for (int k = 0; k < nq_model_num_metadata(m); k++) {
    nq_metadata_info md;
    CLI_TRY(nq_model_metadata(m, k, &md, err));
    json_begin_object(&j, NULL);
    json_string(&j, "name", md.name ? md.name : "");
    json_int(&j, "size", (long long)md.size);
    json_end_object(&j);
  }
  json_end_array(&j);
  if (with_tensors) {
    json_begin_array(&j, "tensors");
    int n = nq_model_num_tensors(m);
    for (int i = 0; i < n; i++) {
      nq_tensor_info t;
      CLI_TRY(nq_model_tensor(m, i, &t, err));
      json_begin_object(&j, NULL);
      json_int(&j, "index", i);
      json_tensor_fields(&j, &t);
      json_bool(&j, "constant", t.is_constant);
      json_int(&j, "bytes", (long long)t.nbytes);
      json_end_object(&j);
    }
    json_end_array(&j);
  }
  if (npu_target) cli_report_npu_json(&j, m, npu_target);
  json_end_object(&j);
  json_finish(&j);
  return NQ_OK;
}

/* ---- text ---- */

static void print_quant_short(const nq_tensor_info *t) {
  if (t->n_params == 1)
    printf("scale %.9g zero_point %lld", t->scale[0], (long long)t->zero_point[0]);
  else if (t->n_params > 1)
    printf("per-axis: %d scales along dim %d", t->n_params, t->axis);
}

/* The formula and the range of real values a quantized I/O tensor covers. */
static void print_quant_meaning(const nq_tensor_info *t, int is_input) {
  if (t->n_params == 0) return;
  if (t->n_params > 1) {
    float lo = t->scale[0], hi = t->scale[0];
    for (int k = 1; k < t->n_params; k++) {
      if (t->scale[k] < lo) lo = t->scale[k];
      if (t->scale[k] > hi) hi = t->scale[k];
    }
    printf("      real = (q - zero_point[c]) * scale[c], c = index along dim %d; scales %.9g .. %.9g\n",
           t->axis, lo, hi);
    return;
  }
  double s = t->scale[0];
  long long zp = (long long)t->zero_point[0];
  if (zp < 0)
    printf("      real = (q - (%lld)) * %.9g\n", zp, s);
  else
    printf("      real = (q - %lld) * %.9g\n", zp, s);
  long long qmin = 0, qmax = 0;
  switch (t->type) {
    case NQ_INT8:
      qmin = -128, qmax = 127;
      break;
    case NQ_UINT8:
      qmin = 0, qmax = 255;
      break;
    case NQ_INT16:
      qmin = -32768, qmax = 32767;
      break;
    default:
      return;
  }
  printf("      q in [%lld, %lld] covers real [%.9g, %.9g]\n", qmin, qmax, (double)(qmin - zp) * s,
         (double)(qmax - zp) * s);
  /* 8-bit image inputs: what feeding raw pixels p = 0..255 means. */
  if (!is_input) return;
  if (t->type == NQ_UINT8)
    printf("      pixels: feed p (0..255) as q unchanged: p = 0 -> %.9g, p = 255 -> %.9g\n",
           (double)(0 - zp) * s, (double)(255 - zp) * s);
  else if (t->type == NQ_INT8)
    printf("      pixels: feed q = p - 128 for p in 0..255: p = 0 -> %.9g, p = 255 -> %.9g\n",
           (double)(-128 - zp) * s, (double)(127 - zp) * s);
}

static nq_status print_io_text(const nq_model *m, int outputs, nq_error *err) {
  int n = outputs ? nq_model_num_outputs(m) : nq_model_num_inputs(m);
  printf("\n%s (%d):\n", outputs ? "outputs" : "inputs", n);
  for (int i = 0; i < n; i++) {
    nq_tensor_info t;
    CLI_TRY(outputs ? nq_model_output(m, i, &t, err) : nq_model_input(m, i, &t, err));
    char sh[128], nm[256];
    printf("  %d  %-8s %-18s '%s'", i, nq_dtype_name(t.type), cli_shape_str(t.shape, t.rank, sh, sizeof sh),
           cli_printable(t.name, nm, sizeof nm));
    if (t.n_params) {
      printf("  ");
      print_quant_short(&t);
    }
    printf("\n");
    print_quant_meaning(&t, !outputs);
  }
  for (int k = 0; outputs && k < nq_model_num_metadata(m); k++) {
    nq_metadata_info md;
    if (nq_model_metadata(m, k, &md, NULL) == NQ_OK && md.name && !strcmp(md.name, "npuquant_split_outputs"))
      printf(
          "  (convert --split-outputs: each 'NAME:partK' is part K of the concatenated output NAME, with\n"
          "   its own scale; `npuquant compare` against the float model puts the parts back)\n");
  }
  return NQ_OK;
}

static nq_status print_tensor_table(const nq_model *m, nq_error *err) {
  int n = nq_model_num_tensors(m);
  printf("\ntensors:\n  %5s  %-8s %-20s %-5s %10s  %-40s %s\n", "index", "type", "shape", "const", "bytes",
         "quantization", "name");
  for (int i = 0; i < n; i++) {
    nq_tensor_info t;
    CLI_TRY(nq_model_tensor(m, i, &t, err));
    char sh[128], q[96] = "-", nm[256];
    if (t.n_params == 1)
      snprintf(q, sizeof q, "scale %.9g zp %lld", t.scale[0], (long long)t.zero_point[0]);
    else if (t.n_params > 1)
      snprintf(q, sizeof q, "per-axis dim %d, %d scales", t.axis, t.n_params);
    printf("  %5d  %-8s %-20s %-5s %10zu  %-40s %s\n", i, nq_dtype_name(t.type),
           cli_shape_str(t.shape, t.rank, sh, sizeof sh), t.is_constant ? "yes" : "no", t.nbytes, q,
           cli_printable(t.name, nm, sizeof nm));
  }
  return NQ_OK;
}

/* "'conv1/BiasAdd' (#12)", or "#12" for a nameless tensor: how the
 * library's messages name a tensor. */
static const char *tensor_label(const nq_model *m, int t, char *buf, size_t n) {
  nq_tensor_info ti;
  if (nq_model_tensor(m, t, &ti, NULL) == NQ_OK && ti.name && ti.name[0])
    snprintf(buf, n, "'%s' (#%d)", ti.name, t);
  else
    snprintf(buf, n, "#%d", t);
  return buf;
}

/* "CONV_2D", or "CUSTOM TFLite_Detection_PostProcess" for a custom op. */
static const char *op_label(const op_count *o, char *buf, size_t n) {
  char nm[128];
  if (o->custom)
    snprintf(buf, n, "%s %s", o->op, cli_printable(o->custom, nm, sizeof nm));
  else
    snprintf(buf, n, "%s", o->op);
  return buf;
}

static nq_status print_text(const cli_model_file *mf, const nq_model *m, const op_count *ops, int n_ops,
                            const model_totals *tot, int with_tensors, nq_error *err) {
  printf("file:        %s\n", mf->path);
  printf("format:      %s\n", mf->format);
  printf("size:        %zu bytes\n", mf->size);
  char nm[256];
  const char *description = nq_model_description(m);
  if (description) printf("description: %s\n", cli_printable(description, nm, sizeof nm));
  CLI_TRY(print_io_text(m, 0, err));
  CLI_TRY(print_io_text(m, 1, err));

  printf("\noperators (%d nodes, %d kinds):\n", nq_model_num_nodes(m), n_ops);
  /* A custom op's own name can be long: the op column widens to fit it. */
  char label[160];
  int width = 28;
  for (int i = 0; i < n_ops; i++) {
    int w = (int)strlen(op_label(&ops[i], label, sizeof label));
    if (w > width) width = w;
  }
  printf("  %-*s %7s %7s  %s\n", width, "op", "version", "count", "min TFLite");
  char rb[16];
  for (int i = 0; i < n_ops; i++)
    printf("  %-*s %7d %7d  %s\n", width, op_label(&ops[i], label, sizeof label), ops[i].version,
           ops[i].count, nq_tflite_release_name(ops[i].min_release, rb, sizeof rb));
  int unknown = -1, model_release = nq_model_min_tflite_release(m, &unknown);
  printf("min TFLite:  %s%s\n", nq_tflite_release_name(model_release, rb, sizeof rb),
         unknown >= 0 ? " (and an op version newer than npuquant's table: '?')" : "");

  printf("\ntensors:     %d (%d constant)\n", nq_model_num_tensors(m), tot->n_constant);
  size_t total = 0;
  for (int t = 0; t < NQ_DTYPE_COUNT; t++) total += tot->const_bytes[t];
  printf("constants:   %zu bytes", total);
  const char *sep = " (";
  for (int t = 0; t < NQ_DTYPE_COUNT; t++) {
    if (!tot->const_bytes[t]) continue;
    printf("%s%s %zu", sep, nq_dtype_name((nq_dtype)t), tot->const_bytes[t]);
    sep = ", ";
  }
  printf("%s\n", total ? ")" : "");
  printf("parameters:  %zu\n", tot->parameters);

  int n_sig = nq_model_num_signatures(m), n_meta = nq_model_num_metadata(m);
  if (n_sig) {
    printf("\nsignatures (%d):\n", n_sig);
    for (int s = 0; s < n_sig; s++) {
      nq_signature_info sg;
      CLI_TRY(nq_model_signature(m, s, &sg, err));
      printf("  '%s'\n", cli_printable(sg.key, nm, sizeof nm));
      for (int side = 0; side < 2; side++) {
        int n = side ? sg.n_outputs : sg.n_inputs;
        for (int k = 0; k < n; k++) {
          nq_signature_entry e;
          CLI_TRY(nq_model_signature_entry(m, s, side, k, &e, err));
          char lb[160], lbp[160];
          printf("    %-6s '%s' -> tensor %s\n", side ? "output" : "input",
                 cli_printable(e.name, nm, sizeof nm),
                 cli_printable(tensor_label(m, e.tensor, lb, sizeof lb), lbp, sizeof lbp));
        }
      }
    }
  }
  if (n_meta) {
    printf("\nmetadata (%d):\n", n_meta);
    for (int k = 0; k < n_meta; k++) {
      nq_metadata_info md;
      CLI_TRY(nq_model_metadata(m, k, &md, err));
      printf("  '%s' (%zu bytes)\n", cli_printable(md.name, nm, sizeof nm), md.size);
    }
  }
  if (with_tensors) CLI_TRY(print_tensor_table(m, err));
  if (npu_target) {
    printf("\n");
    fflush(stdout);
    if (cli_report_npu(m, npu_target, stdout) < 0)
      return nq_fail(err, NQ_ERR_INVALID_ARG, "bad --npu target");
  }
  return NQ_OK;
}

int cmd_inspect(int argc, char **argv) {
  static const struct option longopts[] = {
      {"tensors", no_argument, NULL, 't'},
      {"json", no_argument, NULL, 'j'},
      {"npu", required_argument, NULL, 'n'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  int with_tensors = 0, as_json = 0, c;
  opterr = 0;
  optind = 1;
  /* kept in a static so the table stays reachable (no leak report) */
  static struct option *all_opts;
  if (!all_opts) all_opts = cli_merge_longopts(longopts, cli_load_longopts);
  if (!all_opts) return CLI_ERR_INTERNAL;
  while ((c = getopt_long(argc, argv, ":h", all_opts, NULL)) != -1) {
    int lr = cli_load_option(c, optarg);
    if (lr < 0) return CLI_ERR_USAGE;
    if (lr != 0) continue;
    switch (c) {
      case 't':
        with_tensors = 1;
        break;
      case 'j':
        as_json = 1;
        break;
      case 'n':
        if (!nq_npu_target_is_known(optarg))
          return cli_usage_error("inspect", "--npu expects one of %s, got '%s'", nq_npu_targets(), optarg);
        npu_target = optarg;
        break;
      case 'h':
        return cli_print_help(cmd_inspect_help);
      default:
        return cli_getopt_error("inspect", c, argv);
    }
  }
  if (optind >= argc) return cli_usage_error("inspect", "missing MODEL");
  if (argc - optind > 1) return cli_usage_error("inspect", "unexpected argument '%s'", argv[optind + 1]);

  cli_model_file mf;
  nq_model *m = NULL;
  nq_error err = {0};
  nq_status s = cli_load_model(argv[optind], &mf, &m, &err);
  if (s != NQ_OK) return cli_fail_status(s, &err);

  op_count *ops = NULL;
  int n_ops = count_ops(m, &ops);
  model_totals tot;
  if (n_ops < 0)
    s = nq_fail(&err, NQ_ERR_NOMEM, "%s: out of memory counting operators", mf.path);
  else
    s = sum_constants(m, &tot, &err);
  if (s == NQ_OK)
    s = as_json ? print_json(&mf, m, ops, n_ops, &tot, with_tensors, &err)
                : print_text(&mf, m, ops, n_ops, &tot, with_tensors, &err);
  free(ops);
  nq_model_free(m);
  if (s != NQ_OK) return cli_fail_status(s, &err);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_error("cannot write to stdout");
    return CLI_ERR_INPUT;
  }
  return CLI_OK;
}
