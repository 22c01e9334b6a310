/*
 * npuquant: turn a float32 model into a fully int8 TensorFlow Lite model.
 *
 * This is the public C API of libnpuquant. Every object is an opaque handle
 * with an nq_ prefix. Every fallible call returns an nq_status and fills an
 * nq_error whose message names the file, the node or tensor and what was
 * expected. The library never calls exit() and never writes to stdout.
 *
 * Lifetime: an nq_model owns everything it points to; nq_model_free() releases
 * it. An nq_session borrows its model: free the session before the model.
 */
#ifndef NPUQUANT_H
#define NPUQUANT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NQ_VERSION_STRING "0.1.0"

/* Status codes. Append only: the values are part of the ABI. */
typedef enum nq_status {
  NQ_OK = 0,
  NQ_ERR_IO = 1,          /* a file could not be opened, read or written */
  NQ_ERR_FORMAT = 2,      /* a file is malformed (bad offset, size, field) */
  NQ_ERR_UNSUPPORTED = 3, /* valid input that npuquant does not handle (op, type) */
  NQ_ERR_INVALID_ARG = 4, /* a caller-supplied argument or option is wrong */
  NQ_ERR_NOMEM = 5,       /* an allocation failed or a size limit was hit */
  NQ_ERR_SHAPE = 6,       /* tensor shapes do not agree */
  NQ_ERR_NUMERIC = 7,     /* NaN/Inf or an out-of-range value */
  NQ_ERR_INTERNAL = 8,    /* a broken invariant inside npuquant: a bug */
  NQ_STATUS_COUNT
} nq_status;

/* The error a failing call fills in. Plain struct so callers can keep it on
 * the stack; msg is always NUL-terminated. */
typedef struct nq_error {
  nq_status code;
  char msg[1024];
} nq_error;

/* A short constant name for a status ("format error", ...). */
const char *nq_status_name(nq_status s);

/* Element types (append only). */
typedef enum nq_dtype {
  NQ_FLOAT32 = 0,
  NQ_FLOAT16 = 1,
  NQ_INT8 = 2,
  NQ_UINT8 = 3,
  NQ_INT16 = 4,
  NQ_INT32 = 5,
  NQ_INT64 = 6,
  NQ_BOOL = 7,
  NQ_DTYPE_COUNT
} nq_dtype;

const char *nq_dtype_name(nq_dtype t);
size_t nq_dtype_size(nq_dtype t);

typedef struct nq_model nq_model;

/* Options some formats need; zero-initialise and set what applies.
 * Strings use the CLI's syntax and are parsed by the frontend. */
typedef struct nq_load_options {
  /* ONNX / frozen GraphDef: fix dynamic dimensions, "NAME:1x3x224x224[,NAME2:...]"
   * (a bare "1x3x224x224" applies to the only input). */
  const char *input_shapes;
  /* Frozen GraphDef: input and output node names, comma separated. */
  const char *inputs, *outputs;
  /* SavedModel: the signature to use (default "serving_default"). */
  const char *signature;
  /* Keras: an architecture JSON (model.to_json()) for a weights-only .h5. */
  const char *keras_json;
  /* ONNX: make the model input channels-last ([N,H,W,C], or [N,L,C] for a
   * 1-D model) instead of the model's own channels-first order. */
  int nhwc_input;
} nq_load_options;

/* Load a model. The format is detected from the file contents (see
 * src/api/formats.def: .tflite, and the frontends as they land).
 * opts may be NULL. */
nq_status nq_model_load_ex(const char *path, const nq_load_options *opts, nq_model **out, nq_error *err);
/* nq_model_load_ex with no options. */
nq_status nq_model_load(const char *path, nq_model **out, nq_error *err);
void nq_model_free(nq_model *m);

/* Write the model as .tflite, atomically (temp file + rename). Refuses to
 * write over the file the model was loaded from. */
nq_status nq_model_save_tflite(const nq_model *m, const char *path, nq_error *err);


/* ---- Describing a model (used by `inspect`; indices are model I/O order) ---- */

#define NQ_API_MAX_RANK 6

/* Quantization of one tensor as seen from outside. n_params == 0: float.
 * n_params == 1: per-tensor. n_params > 1: per-axis along `axis`; scale and
 * zero_point point into the model and live as long as it does. */
typedef struct nq_tensor_info {
  const char *name;
  nq_dtype type;
  int rank;
  int32_t shape[NQ_API_MAX_RANK];
  int n_params;
  const float *scale;
  const int64_t *zero_point;
  int axis;
  size_t nbytes; /* element count * element size */
  int is_constant;
} nq_tensor_info;

int nq_model_num_inputs(const nq_model *m);
int nq_model_num_outputs(const nq_model *m);
/* Model input/output i; returns NQ_ERR_INVALID_ARG when i is out of range. */
nq_status nq_model_input(const nq_model *m, int i, nq_tensor_info *out, nq_error *err);
nq_status nq_model_output(const nq_model *m, int i, nq_tensor_info *out, nq_error *err);
int nq_model_num_tensors(const nq_model *m);
nq_status nq_model_tensor(const nq_model *m, int t, nq_tensor_info *out, nq_error *err);
/* The file the model was loaded from (NULL for built models). */
const char *nq_model_source(const nq_model *m);

/* One node (operator) of a model, in execution order. The strings and index
 * arrays point into the model and live as long as it does. */
typedef struct nq_node_info {
  const char *op;   /* TFLite builtin name, e.g. "CONV_2D" */
  int version;      /* the version stored in the file, else the one the TFLite writer writes */
  const char *name; /* the node's own name, else its first output's name, else "" */
  int n_inputs, n_outputs;
  const int *inputs;  /* tensor indices; -1 marks an absent optional input */
  const int *outputs; /* tensor indices */
  /* The first TensorFlow Lite release that runs this op version, as
   * major * 10000 + minor * 100 + patch (11400 = 1.14.0); 0 when TFLite's
   * table (runtime_version.cc) has no such version. */
  int min_tflite;
} nq_node_info;

int nq_model_num_nodes(const nq_model *m);
/* Node i; NQ_ERR_INVALID_ARG when i is out of range. */
nq_status nq_model_node(const nq_model *m, int i, nq_node_info *out, nq_error *err);

/* ---- Running a model (float or int8) ---- */

typedef struct nq_session nq_session;

typedef struct nq_session_options {
  int num_threads;     /* 0: all cores */
  int reference_only;  /* 1: use the reference kernels only (tests, debugging) */
  int single_rounding; /* int8: 1 = single rounding (XNNPACK, TFLM, Arm NN), 0 = TFLite's double rounding */
} nq_session_options;

/* Plan execution: infer shapes, plan activation memory, pick kernels. The
 * session borrows `m`: free the session first. opts may be NULL (defaults). */
nq_status nq_session_create(const nq_model *m, const nq_session_options *opts, nq_session **out,
                            nq_error *err);
void nq_session_free(nq_session *s);
/* Copy model input i in (nbytes must equal the input's size and its type). */
nq_status nq_session_set_input(nq_session *s, int i, const void *data, size_t nbytes, nq_error *err);
nq_status nq_session_run(nq_session *s, nq_error *err);
/* Model output i after a run; valid until the next run or free. */
nq_status nq_session_output(nq_session *s, int i, const void **data, size_t *nbytes, nq_error *err);
/* Every tensor's value after a run, for --tensors dumps and per-layer
 * reports. Constant tensors give their data. Tensors whose memory was reused
 * by a later one give NQ_ERR_INVALID_ARG unless nq_session_keep_all_tensors()
 * was called before the run. */
nq_status nq_session_tensor(nq_session *s, int t, const void **data, size_t *nbytes, nq_error *err);
/* Keep every intermediate tensor alive (no memory reuse): needed for
 * nq_session_tensor on intermediates. Call before nq_session_run. */
nq_status nq_session_keep_all_tensors(nq_session *s, nq_error *err);

/* ---- Quantizing a float model (what `npuquant convert` does) ---- */

/* Fills model input `input` of representative sample `sample` with n float32
 * values (the input's element count, preprocessed as in training). */
typedef nq_status (*nq_fill_fn)(void *user, int sample, int input, float *dst, size_t n, nq_error *err);

typedef struct nq_convert_options {
  int per_tensor;           /* 1: every weight per-tensor (fastest on VeriSilicon NPUs) */
  nq_dtype input_type;      /* NQ_INT8 (default), NQ_UINT8 or NQ_FLOAT32 */
  nq_dtype output_type;     /* likewise */
  int allow_float_fallback; /* 1: keep ops without an int8 form in float (off the NPU) */
  /* uint8 input fed raw bytes b with float input (b - input_mean) / input_std:
   * the input's parameters become scale 1/std, zero point mean. */
  int input_from_bytes;
  float input_mean, input_std;
  int num_threads; /* 0: all cores */
  void (*warn)(void *user, const char *msg); /* one-line warnings; may be NULL */
  void *warn_user;
  /* 1: cross-layer equalization of conv -> conv pairs before calibration
   * (same float function, far better per-tensor int8; see docs/quantization.md). */
  int equalize;
  /* 1: empirical bias correction after quantizing (layer by layer on the
   * samples; see docs/quantization.md). */
  int bias_correct;
  /* Activation ranges: 0 = TensorFlow's global min/max (default), 1 =
   * percentile (clip (100 - percentile) / 2 % at each end), 2 = least
   * expected int8 error (see docs/quantization.md). */
  int calibration;
  double percentile; /* for calibration 1; 0 means 99.99 */
  /* "2.9": refuse a model whose ops need a newer TensorFlow Lite release
   * (2.4 onward; NULL: no limit). The model's minimum release is written as
   * TensorFlow does, in "min_runtime_version" metadata, either way. */
  const char *tflite_version;
} nq_convert_options;

void nq_convert_options_init(nq_convert_options *o);

/* Calibrate `float_model` on n_samples samples from `fill`, then quantize it
 * into a new fully int8 model *out (save it with nq_model_save_tflite). */
nq_status nq_convert(const nq_model *float_model, int n_samples, nq_fill_fn fill, void *user,
                     const nq_convert_options *opts, nq_model **out, nq_error *err);

/* nq_convert with the samples in memory: `data` holds n_samples samples, each
 * the concatenation of every input's float32 values in input order. */
nq_status nq_convert_arrays(const nq_model *float_model, const float *data, int n_samples,
                            const nq_convert_options *opts, nq_model **out, nq_error *err);

/* ---- Comparing two models on the same samples (what `npuquant compare` does) ---- */

/* Zero-initialise and set what applies. */
typedef struct nq_compare_options {
  /* 1: also compare, tensor by tensor, every non-constant float32 tensor of
   * the reference model that the test model has under the same name (or
   * NAME_int8, the quantizer's name for it behind a float model boundary):
   * where along the network the error grows. */
  int per_tensor;
  /* One class index per sample (n_labels == n_samples), or NULL: with
   * labels, classifier outputs also count each model's correct top-1. */
  const int32_t *labels;
  size_t n_labels;
  int num_threads;     /* 0: all cores */
  int single_rounding; /* int8 arithmetic: as nq_session_options */
} nq_compare_options;

/* The figures for one output or tensor over all samples. ref is the
 * reference model's value, test the test model's (dequantized with its
 * per-tensor parameters when quantized). */
typedef struct nq_compare_figures {
  const char *name;                /* the reference tensor's name; lives as long as the report */
  int tensor_ref, tensor_test;     /* tensor indices in each model */
  int samples;                     /* samples accumulated */
  double sqnr_db;                  /* 10 log10(sum ref^2 / sum (ref - test)^2): +inf when
                                      identical, -inf when ref is all 0 and test is not */
  double max_abs_error;            /* max |ref - test| */
  double rmse;                     /* sqrt(mean (ref - test)^2) over every element of every sample */
  float scale;                     /* the test tensor's scale (0: float); rmse / scale is the
                                      error in quantization steps */
  int classifier;                  /* 1: shaped [N] or [1, N] with N > 1; top-1 figures are set */
  int top1_agree;                  /* samples on which both models pick the same class */
  int ref_correct, test_correct;   /* with labels: samples whose top-1 equals the label */
} nq_compare_figures;

typedef struct nq_compare_report nq_compare_report;

/* Run `ref` (usually the float model) and `test` (its int8 version) on
 * n_samples samples from `fill` and measure how far test is from ref. The
 * samples are float32 as for nq_convert (fill is asked for ref's inputs);
 * an int8/uint8 input of either model is quantized from them with that
 * input's own parameters. Both models need the same number of inputs and
 * outputs with the same element counts. opts may be NULL. */
nq_status nq_compare(const nq_model *ref, const nq_model *test, int n_samples, nq_fill_fn fill, void *user,
                     const nq_compare_options *opts, nq_compare_report **out, nq_error *err);
/* nq_compare with the samples in memory, laid out as for nq_convert_arrays. */
nq_status nq_compare_arrays(const nq_model *ref, const nq_model *test, const float *data, int n_samples,
                            const nq_compare_options *opts, nq_compare_report **out, nq_error *err);
/* The figures per model output (in output order) and, with per_tensor, per
 * matched tensor (in the reference model's tensor order). */
int nq_compare_num_outputs(const nq_compare_report *r);
int nq_compare_num_tensors(const nq_compare_report *r);
nq_status nq_compare_output(const nq_compare_report *r, int i, nq_compare_figures *out, nq_error *err);
nq_status nq_compare_tensor(const nq_compare_report *r, int i, nq_compare_figures *out, nq_error *err);
void nq_compare_report_free(nq_compare_report *r);

/* ---- Which nodes an NPU leaves to the CPU (what `inspect --npu` prints) ---- */

/* One finding: a node that falls back to the CPU, or a note. The strings
 * belong to the result. */
typedef struct nq_npu_finding_info {
  int node;          /* node index (as nq_model_node), or -1 for a note about the whole model */
  const char *op;    /* the node's op ("CONV_2D"); "" for a note */
  const char *name;  /* the node's name as nq_node_info.name; "" for a note */
  int cpu_fallback;  /* 1: the node runs on the CPU; 0: a note */
  const char *reason;
} nq_npu_finding_info;

typedef struct nq_npu_result nq_npu_result;

/* The known targets, comma separated: "imx8mp, ethos-u, edgetpu"
 * (i.MX 8M Plus through TFLite's VX delegate, Arm Ethos-U55/U65 through
 * Vela, Coral Edge TPU through edgetpu_compiler). */
const char *nq_npu_targets(void);
/* Check every node of m for `target`; NQ_ERR_INVALID_ARG for an unknown
 * target. The result copies what it needs: it may outlive the model. */
nq_status nq_npu_check_model(const nq_model *m, const char *target, nq_npu_result **out, nq_error *err);
const char *nq_npu_result_target(const nq_npu_result *r); /* e.g. "i.MX 8M Plus NPU (VX delegate)" */
int nq_npu_result_num_nodes(const nq_npu_result *r);
int nq_npu_result_num_fallback(const nq_npu_result *r);
int nq_npu_result_num_findings(const nq_npu_result *r);
/* Finding i: fallbacks in node order, then notes. */
nq_status nq_npu_result_finding(const nq_npu_result *r, int i, nq_npu_finding_info *out, nq_error *err);
void nq_npu_result_free(nq_npu_result *r);

#ifdef __cplusplus
}
#endif
#endif /* NPUQUANT_H */
