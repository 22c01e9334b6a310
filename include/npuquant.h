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
 *
 * ABI: objects that may grow are opaque handles with accessors; enum values
 * are explicit and append only; structs that may grow start with
 * struct_size, set by their _init function. This header is the only one the
 * CLI (tools/npuquant) and the Python binding (python/npuquant) use.
 */
#ifndef NPUQUANT_H
#define NPUQUANT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NQ_VERSION_STRING "0.1.0"

/* NQ_API marks the public functions: libnpuquant is built with
 * -fvisibility=hidden, so these are the only symbols the shared library
 * exports (tests/api/check_exports.py checks `nm -D` against this header). */
#ifndef NQ_API
#if defined(__GNUC__) || defined(__clang__)
#define NQ_API __attribute__((visibility("default")))
#else
#define NQ_API
#endif
#endif

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
NQ_API const char *nq_status_name(nq_status s);

/* Fill err (when not NULL) with code and a printf-style message and return
 * code, so a failure reads as one line: `return nq_fail(err, NQ_ERR_IO, ...)`.
 * Callbacks the library calls (nq_fill_fn, nq_sample_source.fill) report
 * their own failures this way. The message is cut to fit and made printable
 * UTF-8 (broken sequences and control characters become '?'). */
NQ_API nq_status nq_fail(nq_error *err, nq_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Prepend printf-style context ("file.npy: ") to the message already in
 * err; returns err->code. */
NQ_API nq_status nq_prefix(nq_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Length (2..4) of the well-formed multi-byte UTF-8 sequence at p (no
 * overlongs, no surrogates, at most U+10FFFF), or 0 when p[0] does not start
 * one. p[0] must be >= 0x80 and p NUL-terminated. Names in model files come
 * from strangers: a caller printing them (the CLI) replaces what this refuses. */
NQ_API size_t nq_utf8_sequence_length(const unsigned char *p);
/* Makes the NUL-terminated string s printable in place: each byte that is not
 * part of a well-formed UTF-8 sequence, and each control character other than
 * newline and tab (a terminal's escape sequences), becomes '?'. */
NQ_API void nq_utf8_make_printable(char *s);

/* ---- Safety for untrusted models and data (see README "Security") ---- */

/* The memory budget: model-sized memory (constant tensors, folded and
 * expanded constants, decoded archive members, parsed configs, the
 * activation arena, data set samples) is counted against one process-wide
 * limit; a model needing more fails with NQ_ERR_NOMEM naming the node,
 * tensor or member. 0 restores the default: half of physical memory. */
NQ_API void nq_set_memory_limit(size_t bytes);
/* The limit in force, in bytes. */
NQ_API size_t nq_memory_limit(void);

/* The checks every output write makes, for a caller that wants to refuse a
 * path before costly work: an empty path (NQ_ERR_INVALID_ARG), an existing
 * path that is not a regular file (symbolic link, device, FIFO, socket,
 * directory), or a file some live model or data set was read from (by
 * device and inode: the model file, a SavedModel's variables, ONNX external
 * data, a Keras JSON, calibration samples). `protect` (may be NULL) names
 * one more file to refuse. */
NQ_API nq_status nq_check_output_path(const char *path, const char *protect, nq_error *err);

/* Write `size` bytes to `path` as every output of npuquant is written: the
 * checks above (with `protect`, may be NULL), then a temporary file in the
 * same directory, flushed and renamed into place when complete, so the
 * destination is either the old file or the whole new one; the temporary
 * file is removed on failure and, after nq_cleanup_temp_files_on_signals,
 * on a signal. Mode 0666 minus the umask. For a caller's own outputs (the
 * CLI's HTML report). */
NQ_API nq_status nq_write_file_atomic(const char *path, const void *data, size_t size, const char *protect,
                                      nq_error *err);

/* Remove the temporary file of an output being written when the process is
 * stopped by SIGINT, SIGTERM, SIGHUP, SIGPIPE or SIGXFSZ, then let the
 * signal end the process as it would have. Outputs are written to
 * "<path>.tmp-XXXXXX" and renamed into place; without this a signal leaves
 * the temporary file behind. Call once, early (the CLI does). */
NQ_API nq_status nq_cleanup_temp_files_on_signals(nq_error *err);

/* The most worker threads a session or conversion takes (num_threads). */
#define NQ_MAX_THREADS 1024

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

NQ_API const char *nq_dtype_name(nq_dtype t);
NQ_API size_t nq_dtype_size(nq_dtype t);

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
  /* Keras: 1 reads the HDF5 file in this process instead of a forked child.
   * By default (0) a child process reads it, because libhdf5 can crash or
   * hang on corrupt files: the child's death becomes one error naming the
   * file. Set 1 when fork() is unwelcome (other threads of the caller hold
   * locks; debugging the reader); only for trusted files. */
  int keras_in_process;
} nq_load_options;

/* Load a model. The format is detected from the file contents (see
 * src/frontends/formats.def: .tflite, ONNX, TF GraphDef/SavedModel, Keras).
 * opts may be NULL. */
NQ_API nq_status nq_model_load_ex(const char *path, const nq_load_options *opts, nq_model **out,
                                  nq_error *err);
/* nq_model_load_ex with no options. */
NQ_API nq_status nq_model_load(const char *path, nq_model **out, nq_error *err);
NQ_API void nq_model_free(nq_model *m);

/* What nq_model_load would read `path` as ("TFLite flatbuffer (TFL3)",
 * "ONNX model (.onnx protobuf)", ...), judged from the file's first bytes or
 * a folder's contents; NULL when no format recognizes it. A static string. */
NQ_API const char *nq_format_describe(const char *path);

/* Write the model as .tflite, atomically (temp file + rename). Refuses to
 * write over the file the model was loaded from. */
NQ_API nq_status nq_model_save_tflite(const nq_model *m, const char *path, nq_error *err);

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

NQ_API int nq_model_num_inputs(const nq_model *m);
NQ_API int nq_model_num_outputs(const nq_model *m);
/* Model input/output i; returns NQ_ERR_INVALID_ARG when i is out of range. */
NQ_API nq_status nq_model_input(const nq_model *m, int i, nq_tensor_info *out, nq_error *err);
NQ_API nq_status nq_model_output(const nq_model *m, int i, nq_tensor_info *out, nq_error *err);
NQ_API int nq_model_num_tensors(const nq_model *m);
NQ_API nq_status nq_model_tensor(const nq_model *m, int t, nq_tensor_info *out, nq_error *err);
/* The file the model was loaded from (NULL for built models). */
NQ_API const char *nq_model_source(const nq_model *m);

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
  /* A CUSTOM op's own name (its custom code, e.g. "TFLite_Detection_PostProcess"),
   * which is what says what it computes; NULL for builtin ops. */
  const char *custom_code;
} nq_node_info;

/* TensorFlow Lite releases as major * 10000 + minor * 100 + patch (20900 =
 * 2.9.0), from TFLite's own op-version history (runtime_version.cc).
 * The oldest release convert's tflite_version accepts: */
#define NQ_TFLITE_OLDEST_RELEASE 20400
/* "2.9" or "2.9.0" -> 20900; 0 when s is not such a release. */
NQ_API int nq_tflite_parse_release(const char *s);
/* "2.9.0" for 20900, "?" for 0 (unknown); written into buf, which is returned. */
NQ_API const char *nq_tflite_release_name(int release, char *buf, size_t n);
/* The first release that runs every op version of m that TFLite's table
 * knows (0 when it knows none). *unknown_node (may be NULL) receives the
 * first node whose op version the table does not know, else -1. */
NQ_API int nq_model_min_tflite_release(const nq_model *m, int *unknown_node);

NQ_API int nq_model_num_nodes(const nq_model *m);
/* Node i; NQ_ERR_INVALID_ARG when i is out of range. */
NQ_API nq_status nq_model_node(const nq_model *m, int i, nq_node_info *out, nq_error *err);
/* Node i as the library's messages name it, into buf (n bytes, cut to fit):
 * "node 3 (CONV_2D 'conv1')", "node 3 (CONV_2D)" when it has no name, or
 * "node 3" when i is out of range. Returns buf. */
NQ_API const char *nq_model_node_label(const nq_model *m, int i, char *buf, size_t n);

/* The model's description string (TFLite's `description`), or NULL. */
NQ_API const char *nq_model_description(const nq_model *m);

/* Named entry points (TFLite SignatureDefs): a key and the tensors its named
 * inputs and outputs are. The strings point into the model; key and names may
 * be NULL when the file leaves them out. */
typedef struct nq_signature_info {
  const char *key;
  int n_inputs, n_outputs;
} nq_signature_info;

typedef struct nq_signature_entry {
  const char *name;
  int tensor; /* tensor index, as nq_model_tensor */
} nq_signature_entry;

NQ_API int nq_model_num_signatures(const nq_model *m);
/* Signature i; NQ_ERR_INVALID_ARG when i is out of range. */
NQ_API nq_status nq_model_signature(const nq_model *m, int i, nq_signature_info *out, nq_error *err);
/* Entry k of signature i's inputs (is_output 0) or outputs (is_output 1). */
NQ_API nq_status nq_model_signature_entry(const nq_model *m, int i, int is_output, int k,
                                          nq_signature_entry *out, nq_error *err);

/* Metadata entries (TFLite `metadata`: a name and a buffer of bytes). */
typedef struct nq_metadata_info {
  const char *name; /* points into the model; may be NULL */
  size_t size;      /* bytes */
} nq_metadata_info;

NQ_API int nq_model_num_metadata(const nq_model *m);
NQ_API nq_status nq_model_metadata(const nq_model *m, int i, nq_metadata_info *out, nq_error *err);

/* ---- Running a model (float or int8) ---- */

typedef struct nq_session nq_session;

typedef struct nq_session_options {
  int num_threads;     /* 0: all cores */
  int reference_only;  /* 1: use the reference kernels only (tests, debugging) */
  int single_rounding; /* int8: 1 = single rounding (XNNPACK, TFLM, Arm NN), 0 = TFLite's double rounding */
  int kernels;         /* an nq_kernels: the fast kernels' code path; 0 = NQ_KERNELS_AUTO */
} nq_session_options;

/* The int8 rounding the CLI and the Python binding use unless told
 * otherwise: single rounding, what LiteRT runs int8 models with on a CPU
 * (XNNPACK, TFLite's kernels for the ops XNNPACK does not take). A zeroed
 * nq_session_options gives TFLite's reference double rounding instead. */
#define NQ_DEFAULT_SINGLE_ROUNDING 1

/* One phrase naming a rounding mode for reports, e.g. "single rounding
 * (XNNPACK: what LiteRT runs on a CPU)". Static storage. */
NQ_API const char *nq_rounding_name(int single_rounding);
/* 1 when the model computes in int8/uint8/int16 (so rounding applies). */
NQ_API int nq_model_is_quantized(const nq_model *m);

/* Plan execution: infer shapes, plan activation memory, pick kernels. The
 * session borrows `m`: free the session first. opts may be NULL (defaults). */
NQ_API nq_status nq_session_create(const nq_model *m, const nq_session_options *opts, nq_session **out,
                                   nq_error *err);
NQ_API void nq_session_free(nq_session *s);
/* Copy model input i in (nbytes must equal the input's size and its type). */
NQ_API nq_status nq_session_set_input(nq_session *s, int i, const void *data, size_t nbytes, nq_error *err);
NQ_API nq_status nq_session_run(nq_session *s, nq_error *err);
/* Model output i after a run; valid until the next run or free. */
NQ_API nq_status nq_session_output(nq_session *s, int i, const void **data, size_t *nbytes, nq_error *err);
/* Every tensor's value after a run, for --tensors dumps and per-layer
 * reports. Constant tensors give their data. Tensors whose memory was reused
 * by a later one give NQ_ERR_INVALID_ARG unless nq_session_keep_all_tensors()
 * was called before the run. */
NQ_API nq_status nq_session_tensor(nq_session *s, int t, const void **data, size_t *nbytes, nq_error *err);
/* Keep every intermediate tensor alive (no memory reuse): needed for
 * nq_session_tensor on intermediates. Call before nq_session_run. */
NQ_API nq_status nq_session_keep_all_tensors(nq_session *s, nq_error *err);

/* Per-node timing (`run --profile`). nq_session_profile(s, 1) zeroes the
 * totals and makes every later nq_session_run add each node's wall time to
 * its node's total; 0 stops timing. A node's time runs from the end of the
 * previous node to its own end, so the totals add up to the run. */
typedef struct nq_node_time {
  double total_ms;    /* summed over `runs` runs */
  long runs;          /* runs timed since profiling was switched on */
  const char *kernel; /* which kernels ran it: "fast", "ref", "int8-fast", "int8" (static) */
} nq_node_time;
NQ_API nq_status nq_session_profile(nq_session *s, int on, nq_error *err);
/* Node `node`'s timings (index as nq_model_node); NQ_ERR_INVALID_ARG when
 * profiling is off or the node does not exist. */
NQ_API nq_status nq_session_node_time(const nq_session *s, int node, nq_node_time *out, nq_error *err);

/* ---- Representative samples ---- */

/* Where samples come from, for nq_convert_source and nq_compare_source: the
 * general form of the nq_fill_fn callbacks. Set it up with
 * nq_sample_source_init (which sets struct_size, so later versions of the
 * library can add fields at the end), then fill in what applies. */
typedef struct nq_sample_source {
  size_t struct_size; /* sizeof(nq_sample_source), set by nq_sample_source_init */
  int n_samples;      /* at least 1 */
  /* Write input `input` of sample `sample` as n float32 values; required. */
  nq_status (*fill)(void *ctx, int sample, int input, float *dst, size_t n, nq_error *err);
  /* A printable name of a sample for messages ("img/cat.jpg"); may be NULL. */
  const char *(*name)(void *ctx, int sample);
  void *ctx;
  /* Called after each sample (a progress bar); may be NULL. These callbacks
   * are never called concurrently, but with num_threads != 1 maybe from one
   * of the library's worker threads. */
  void (*progress)(void *ctx, int done, int total);
  void *progress_ctx;
} nq_sample_source;

/* Zero *s and set struct_size. */
NQ_API void nq_sample_source_init(nq_sample_source *s);

/* Image preprocessing: from 8-bit pixels to the float32 values a model input
 * expects. In order: colour (rgb, bgr or gray as ITU-R BT.601 luma; AUTO
 * takes it from the input's channel count), resize to the input's H x W
 * (STRETCH the whole image, or CROP: scale the shorter side to fit, then
 * take the centred window; antialias widens the filter when shrinking),
 * then per channel c an affine map: MEAN_STD (pixel - mean[c]) / std[c],
 * SCALE_OFFSET pixel * scale + offset, NONE the raw 0..255 value.
 * .npy and .npz samples are used as they are. Values are part of the ABI. */
typedef enum nq_resize_mode { NQ_RESIZE_STRETCH = 0, NQ_RESIZE_CROP = 1 } nq_resize_mode;

typedef enum nq_color {
  NQ_COLOR_AUTO = 0, /* from the input's channel count: 1 gray, 3 rgb */
  NQ_COLOR_RGB = 1,
  NQ_COLOR_BGR = 2,
  NQ_COLOR_GRAY = 3
} nq_color;

typedef enum nq_norm { NQ_NORM_NONE = 0, NQ_NORM_MEAN_STD = 1, NQ_NORM_SCALE_OFFSET = 2 } nq_norm;

#define NQ_PP_MAX_CHANNELS 4

/* Initialise with nq_preprocess_default, then set what applies. */
typedef struct nq_preprocess {
  nq_resize_mode resize;
  int antialias; /* 1: widen the filter when downscaling (default) */
  nq_color color;
  nq_norm norm;
  float mean[NQ_PP_MAX_CHANNELS]; /* per channel, in output channel order */
  float std[NQ_PP_MAX_CHANNELS];
  /* How many values were given for mean and std (0, or 1 for one value for
   * every channel); checked against the input's channels. */
  int n_mean, n_std;
  float scale, offset;
} nq_preprocess;

/* stretch, antialias on, colour auto, no normalisation (raw 0..255). */
NQ_API void nq_preprocess_default(nq_preprocess *pp);
/* Apply a range preset: "0..255" (none), "0..1" (scale 1/255) or "-1..1"
 * (scale 2/255, offset -1); NQ_ERR_INVALID_ARG otherwise. */
NQ_API nq_status nq_preprocess_set_range(nq_preprocess *pp, const char *range, nq_error *err);
/* Parse "v" or "v1,v2,v3" into out[0..max) (one value is broadcast to all
 * max entries); *n receives how many were given. `what` names the option in
 * messages ("--mean"). */
NQ_API nq_status nq_parse_float_list(const char *s, const char *what, float *out, int max, int *n,
                                     nq_error *err);
/* The map v = pixel * a + b that pp applies to channel `channel`: what a
 * uint8 input fed raw bytes is derived from. */
NQ_API void nq_preprocess_affine(const nq_preprocess *pp, int channel, float *a, float *b);

/* A data set: the samples for ONE model input, from a folder of images,
 * .npy or .npz files (searched recursively, sorted by path), one image, one
 * .npy (one sample or a stack), or one .npz ("file.npz:key" for a member).
 * Images become the input's shape through nq_preprocess; arrays are used as
 * they are (dimensions of size 1 ignored when matching shapes). */
typedef struct nq_dataset nq_dataset;

typedef struct nq_data_options {
  size_t struct_size; /* sizeof(nq_data_options), set by nq_data_options_init */
  size_t max_samples; /* 0: all samples, capped at 500 (with a note) */
  int use_seed;       /* 1: a random subset drawn with `seed`; 0: evenly spaced */
  uint64_t seed;
  int channels_first; /* images only: 1 the input is [1, C, H, W]; 0 from the model (NCHW ONNX: 1) */
} nq_data_options;

/* Zero *o and set struct_size. */
NQ_API void nq_data_options_init(nq_data_options *o);

/* Open the samples at `path` for input `input` of model m, checking every
 * source's shape against it (images are decoded by nq_dataset_get). pp and
 * opts may be NULL (defaults). The data set copies what it needs from m. */
NQ_API nq_status nq_dataset_open_input(const char *path, const nq_model *m, int input,
                                       const nq_preprocess *pp, const nq_data_options *opts, nq_dataset **out,
                                       nq_error *err);
NQ_API void nq_dataset_free(nq_dataset *ds);
/* Selected samples. */
NQ_API size_t nq_dataset_count(const nq_dataset *ds);
/* float32 values in one sample (the input's element count). */
NQ_API size_t nq_dataset_sample_elems(const nq_dataset *ds);
/* Sample i (0 <= i < count) into dst (nq_dataset_sample_elems floats). Not
 * thread-safe on one data set (it caches the last array read). */
NQ_API nq_status nq_dataset_get(nq_dataset *ds, size_t i, float *dst, nq_error *err);
/* "path/to/img.jpg", "x.npy[17]", "d.npz:images.npy[3]"; lives as long as ds. */
NQ_API const char *nq_dataset_name(const nq_dataset *ds, size_t i);
/* Informational lines (ignored files, the sample cap), each ending in '\n';
 * "" when there are none. The library never prints them itself. */
NQ_API const char *nq_dataset_notes(const nq_dataset *ds);
/* The preprocessing in force (after NQ_COLOR_AUTO is resolved). */
NQ_API const nq_preprocess *nq_dataset_preprocess(const nq_dataset *ds);
/* 1 if any source is an image. */
NQ_API int nq_dataset_has_images(const nq_dataset *ds);
/* Class labels from folder names, for a data set opened on the folder `root`
 * laid out as root/CLASS/...: labels[i] (nq_dataset_count entries, caller's
 * buffer) is the class of sample i's folder right below root. map_path NULL:
 * the index of that folder among root's class folders sorted by name (byte
 * order, as torchvision's ImageFolder); else its line (0-based) in map_path,
 * one class name per line in the model's output order. Refused, naming the
 * file or folder: a sample directly in root, an empty class folder, a folder
 * missing from the map, and (max_classes > 0) a class >= max_classes.
 * *n_classes (may be NULL): the number of class folders, or of map lines. */
NQ_API nq_status nq_dataset_folder_labels(const nq_dataset *ds, const char *root, const char *map_path,
                                          size_t max_classes, int32_t *labels, size_t *n_classes,
                                          nq_error *err);

/* Quantize n float32 values to `type` (NQ_INT8 or NQ_UINT8) with TFLite's
 * rule q = clamp(round(x / scale) + zero_point); src and dst may be the same
 * buffer. NQ_ERR_INVALID_ARG for another type or a scale that is not > 0. */
NQ_API nq_status nq_quantize_floats(const float *src, size_t n, nq_dtype type, float scale,
                                    int32_t zero_point, void *dst, nq_error *err);

/* ---- .npy files (NumPy format 1.0-3.0) ---- */

#define NQ_NPY_MAX_RANK 6

/* An n-dimensional array in C order. `data` is malloc'd (never NULL after a
 * successful read, even for zero elements) and owned by the array: release
 * it with nq_array_free. */
typedef struct nq_array {
  nq_dtype type;
  int rank; /* 0..NQ_NPY_MAX_RANK; rank 0 is a scalar with one element */
  int32_t shape[NQ_NPY_MAX_RANK];
  size_t nelems;
  size_t nbytes; /* nelems * nq_dtype_size(type) */
  void *data;
} nq_array;

/* Read a whole .npy: float32 float16 int8 uint8 int16 int32 int64 bool;
 * big-endian and Fortran-order arrays are converted; float64 is refused
 * (NQ_ERR_UNSUPPORTED, naming the fix). On failure *out is left zeroed. */
NQ_API nq_status nq_npy_read_file(const char *path, nq_array *out, nq_error *err);
/* Write an array as .npy v1.0, atomically (temp file + rename). `data`
 * holds the product of shape times nq_dtype_size(type) bytes in C order. */
NQ_API nq_status nq_npy_write_file(const char *path, nq_dtype type, int rank, const int32_t *shape,
                                   const void *data, nq_error *err);
/* Release an array's data and zero it (safe on a zeroed array). */
NQ_API void nq_array_free(nq_array *a);

/* 1 when a and b name the same file (same device and inode, or the same
 * canonical path): for refusing to write over an input. */
NQ_API int nq_same_file(const char *a, const char *b);

/* ---- Quantizing a float model (what `npuquant convert` does) ---- */

/* Fills model input `input` of representative sample `sample` with n float32
 * values (the input's element count, preprocessed as in training). */
typedef nq_status (*nq_fill_fn)(void *user, int sample, int input, float *dst, size_t n, nq_error *err);

/* One candidate recipe of the automatic choice (recipe_auto), and what it
 * measured on the validation part of the samples. */
typedef struct nq_recipe_candidate {
  const char *name; /* "mse+equalize", as `convert --recipe` prints it */
  int index;        /* position in the order tried */
  int calibration;  /* as nq_convert_options */
  double percentile;
  int equalize, bias_correct;
  double sqnr_db; /* validation SQNR of the worst output (+inf: exact) */
  int top1_agree; /* validation samples whose top-1 class agrees, -1: no classifier output */
  int samples;    /* validation samples */
  double seconds; /* converting and measuring this candidate */
  int correct;    /* with labels: validation samples whose int8 top-1 is the label, else -1 */
} nq_recipe_candidate;

/* What a conversion note (nq_convert_options.topic_note) is about.
 * Append-only: the values never change. */
typedef enum nq_note_topic {
  NQ_NOTE_DATA = 0,          /* the samples: count, shape, layout, per-channel statistics */
  NQ_NOTE_CALIBRATION = 1,   /* how the activation ranges were chosen (layer-wise methods) */
  NQ_NOTE_RECIPE = 2,        /* the automatic recipe: a candidate not run or skipped by the budget */
  NQ_NOTE_FLOAT_TAIL = 3,    /* the ops kept in float after the last heavy op */
  NQ_NOTE_SPLIT_OUTPUTS = 4, /* split_outputs: which outputs became parts */
  NQ_NOTE_SPLIT_WEIGHTS = 5, /* split_weights: which layers were split, or why not */
  NQ_NOTE_INT16 = 6,         /* 16x8: the int16 layers chosen, rewrites for int16 kernels */
  NQ_NOTE_TOPICS = 7         /* the number of topics */
} nq_note_topic;

typedef struct nq_convert_options {
  int per_tensor;           /* 1: every weight per-tensor (fastest on VeriSilicon NPUs) */
  nq_dtype input_type;      /* NQ_INT8 (default), NQ_UINT8 or NQ_FLOAT32 */
  nq_dtype output_type;     /* likewise */
  int allow_float_fallback; /* 1: keep ops without an int8 form in float (off the NPU) */
  /* uint8 input fed raw bytes b with float input (b - input_mean) / input_std:
   * the input's parameters become scale 1/std, zero point mean. */
  int input_from_bytes;
  float input_mean, input_std;
  int num_threads;                           /* 0: all cores */
  void (*warn)(void *user, const char *msg); /* one-line warnings; may be NULL */
  void *warn_user;
  /* 1: cross-layer equalization of conv -> conv pairs before calibration
   * (same float function, far better per-tensor int8), by weight and then by
   * activation ranges on the samples (through ReLU6; see docs/quantization.md). */
  int equalize;
  /* 1: empirical bias correction after quantizing (layer by layer on the
   * samples; see docs/quantization.md). */
  int bias_correct;
  /* Activation ranges: 0 = TensorFlow's global min/max (default), 1 =
   * percentile (clip (100 - percentile) / 2 % at each end), 2 = least
   * expected int8 error, 3 = one of min/max, percentile 99.9 and least
   * error per tensor, judged on held-out samples (see docs/quantization.md). */
  int calibration;
  double percentile; /* for calibration 1; 0 means 99.99 */
  /* Progress of the stages that take long beyond calibration (stage
   * "bias correction": done of total layers); may be NULL. */
  void (*progress)(void *user, const char *stage, int done, int total);
  void *progress_user;
  /* "2.9": refuse a model whose ops need a newer TensorFlow Lite release
   * (2.4 onward; NULL: no limit). The model's minimum release is written as
   * TensorFlow does, in "min_runtime_version" metadata, either way. */
  const char *tflite_version;
  int kernels; /* an nq_kernels for the calibration runs, as nq_session_options (0: auto) */
  /* What the samples look like, one line per input (count, shape, layout,
   * per-channel min/mean/max after preprocessing; see docs/cli.md); called
   * with warn_user; may be NULL. With warn or note set, convert reads the
   * samples once more to check them and warns about NaN, constant samples
   * and raw 0..255 pixels for a model that does not normalise its input. */
  void (*note)(void *user, const char *msg);
  /* 1: choose the recipe (calibration, equalize, bias_correct) automatically:
   * the samples are split into calibration and validation parts, each
   * candidate of nq_recipe_candidates() is converted on the first and
   * measured on the second, and the one with the best validation SQNR
   * (worst output) is converted on all samples and recorded in the model's
   * "npuquant_recipe" metadata. The three fields above are then ignored.
   * Deterministic: the same model and samples give the same bytes. */
  int recipe_auto;
  /* Called once per candidate after it was measured (may be NULL). */
  void (*recipe_candidate)(void *user, const struct nq_recipe_candidate *c);
  void *recipe_user;
  /* With recipe_auto: one class index per representative sample (n_labels
   * == the sample count; an element index of the class-score output), or
   * NULL. The choice then counts held-out samples whose int8 top-1 equals
   * the label first, SQNR breaking ties. */
  const int32_t *labels;
  size_t n_labels;
  /* The automatic recipe's budget, in GMAC (10^9 multiply-accumulates of the
   * float model's layers, estimated from their shapes, an int8 pass counted
   * as a float one): a candidate whose estimated cost (its search and, were
   * it chosen, the final conversion on all samples) would take the total
   * past it is skipped and named through `note`. An estimate, not a clock,
   * so the choice stays the same on any machine. 0: NQ_RECIPE_BUDGET_GMAC;
   * negative: no limit. */
  double recipe_budget;
  /* With output_type NQ_FLOAT32, the cheap ops after the last heavy op that
   * int8 measurably spoils (score LOGISTICs, box decoding, mixed-range
   * concatenations) run in float on the CPU (see docs/quantization.md);
   * 1: keep them int8 as well. */
  int no_float_tail;
  /* 1: a FULLY_CONNECTED whose weight rows one scale loses (worst row under
   * 30 dB) gets per-channel weights. Off by default: TFLite gives it no op
   * version of its own and Arm NN aborts on it (docs/quantization.md). */
  int per_channel_fc;
  /* Weight rounding chosen by each layer's output error on the calibration
   * samples (docs/quantization.md): 0 nearest (TensorFlow's), 1 clip (the
   * weight scale that minimises it), 2 adaround (clip, then each weight
   * rounded up or down by AdaRound). */
  int weight_round;
  int split_outputs; /* 1: an output a CONCATENATION gives becomes one output per part, each its own scale
                        (parts named OUTPUT:partK, recorded for nq_compare; docs/quantization.md) */
  /* TFLite's 16x8 quantization (docs/quantization.md): int16 activations
   * (symmetric), int8 weights, int64 biases. 1: every node whose op has an
   * int16x8 kernel in TFLite (the others stay int8, with a warning). */
  int activations_int16;
  /* Only these nodes int16 (comma-separated node or output tensor names),
   * the rest int8, QUANTIZE/DEQUANTIZE ops between; an unknown name is an
   * error naming it. "auto": the layers whose int8 output loses most, within
   * a tenth of the MACs (docs/quantization.md). NULL: as activations_int16. */
  const char *int16_layers;
  const char *split_weights; /* "auto" or "NODE[,NODE...]": such layers become two int8 layers whose weights
                                add up, plus an ADD (NULL: none; docs/quantization.md) */
  /* As note, with what the note is about; when set, note is not called.
   * Called with warn_user; may be NULL. */
  void (*topic_note)(void *user, nq_note_topic topic, const char *msg);
  /* With recipe_auto: 1 when the target runs TFLite's 16x8 (Ethos-U, CPU
   * TFLite; not the i.MX 8M Plus VX delegate nor the Edge TPU), so that the
   * recipe may escalate to int16 activations when no int8 candidate reaches
   * NQ_RECIPE_GOOD_DB on every output part (docs/cli.md). */
  int recipe_int16;
} nq_convert_options;

/* The default recipe_budget: about one to two minutes of our kernels on 2
 * cores (10-20 GMAC/s), enough for every candidate on MLPerf Tiny sized
 * models; bias correction (one pass per layer per sample) drops out first
 * on big ones. */
#define NQ_RECIPE_BUDGET_GMAC 2000.0

/* The automatic recipe tries its costlier families (split weights, then
 * 16x8 with recipe_int16) only while the best candidate's worst output, or
 * output part (a detector's boxes, objectness and class scores each), is
 * under this SQNR against the float model. */
#define NQ_RECIPE_GOOD_DB 25.0

NQ_API void nq_convert_options_init(nq_convert_options *o);

/* Calibrate `float_model` on n_samples samples from `fill`, then quantize it
 * into a new fully int8 model *out (save it with nq_model_save_tflite). */
NQ_API nq_status nq_convert(const nq_model *float_model, int n_samples, nq_fill_fn fill, void *user,
                            const nq_convert_options *opts, nq_model **out, nq_error *err);

/* nq_convert with the samples in memory: `data` holds n_samples samples, each
 * the concatenation of every input's float32 values in input order. */
NQ_API nq_status nq_convert_arrays(const nq_model *float_model, const float *data, int n_samples,
                                   const nq_convert_options *opts, nq_model **out, nq_error *err);

/* Parse a calibration method as `convert --calibration` spells it:
 * "minmax", "percentile", "percentile:P" (50 < P <= 100), "mse" or "layerwise", and set
 * o->calibration and o->percentile. NQ_ERR_INVALID_ARG otherwise. */
NQ_API nq_status nq_convert_options_set_calibration(nq_convert_options *o, const char *method, nq_error *err);

/* What a conversion did. Set struct_size = sizeof(nq_convert_stats) (the
 * library fills only what fits, so a caller built against an older header
 * keeps working). */
typedef struct nq_convert_stats {
  size_t struct_size;
  int equalized_pairs;    /* conv -> conv pairs equalized (with equalize; both passes' counts added) */
  int rewritten_for_int8; /* NEG / SQUARE nodes computed as MUL (TFLite's int8 NEG and SQUARE ignore scales)
                           */
  int bias_corrected_layers; /* layers whose bias moved (with bias_correct) */
  double seconds_calibrate;  /* calibration and range refinement */
  double seconds_quantize;   /* quantization and bias correction */
  /* With recipe_auto: candidates tried, the index of the chosen one, its
   * name, its validation SQNR and the time the search took. */
  int recipe_candidates, recipe_chosen;
  char recipe[64];
  double recipe_sqnr_db;
  double seconds_recipe;
  /* With weight_round: layers whose weights changed, and the mean over the
   * layers of their output SQNR on the calibration samples before and after. */
  int weight_rounded_layers;
  double weight_round_before_db, weight_round_after_db;
  /* Nodes computing int16 activations (16x8; QUANTIZE glue not counted). */
  int int16_nodes;
} nq_convert_stats;

/* nq_convert with samples from a source (names for messages, a progress
 * callback). stats may be NULL. The int8 model remembers float_model's file,
 * so saving it there is refused. */
NQ_API nq_status nq_convert_source(const nq_model *float_model, const nq_sample_source *src,
                                   const nq_convert_options *opts, nq_model **out, nq_convert_stats *stats,
                                   nq_error *err);

/* A note topic's name ("data", "calibration", "recipe", "float_tail",
 * "split_outputs", "split_weights", "int16"); NULL for another value. */
NQ_API const char *nq_note_topic_name(nq_note_topic topic);

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
  int kernels;         /* an nq_kernels, as nq_session_options (0: auto) */
  /* Task-level figures (nq_compare_task): 0 none, 1 detect (decode both
   * models' detections and match them), 2 landmark (keypoint distance). */
  int task;
  int detect_layout;     /* detect: 0 auto, 1 TFLite_Detection_PostProcess outputs, 2 YOLO [1, N, 5 + C],
                            3 MediaPipe SSD (regressors [1, N, K] and logits [1, N, 1] over its anchors) */
  float score_threshold; /* detect: drop detections scored below; 0: the layout's default (none; YOLO 0.25;
                            MediaPipe 0.5) */
  int landmark_output;   /* landmark: the output holding the keypoints */
  int keypoint_dims;     /* landmark: values per keypoint, x and y first (0: 3) */
} nq_compare_options;

/* The figures for one output or tensor over all samples. ref is the
 * reference model's value, test the test model's (dequantized with its
 * per-tensor parameters when quantized). */
typedef struct nq_compare_figures {
  const char *name;              /* the reference tensor's name; lives as long as the report */
  int tensor_ref, tensor_test;   /* tensor indices in each model */
  int samples;                   /* samples accumulated */
  double sqnr_db;                /* 10 log10(sum ref^2 / sum (ref - test)^2): +inf when
                                    identical, -inf when ref is all 0 and test is not */
  double max_abs_error;          /* max |ref - test| */
  double rmse;                   /* sqrt(mean (ref - test)^2) over every element of every sample */
  float scale;                   /* the test tensor's scale (0: float); rmse / scale is the
                                    error in quantization steps */
  int classifier;                /* 1: class scores, top-1 figures are set: shaped [N] or [1, N]
                                    (N > 1) and produced by SOFTMAX/LOG_SOFTMAX, or the model's
                                    only output, or labels were given; 0 for landmarks, boxes
                                    and other regression outputs beside other outputs */
  int top1_agree;                /* samples on which both models pick the same class */
  int ref_correct, test_correct; /* with labels: samples whose top-1 equals the label */
  int class_shaped;              /* 1: shaped [N] or [1, N] (N > 1), class scores or not (so a
                                    report can say why it shows no top-1) */
} nq_compare_figures;

typedef struct nq_compare_report nq_compare_report;

/* Run `ref` (usually the float model) and `test` (its int8 version) on
 * n_samples samples from `fill` and measure how far test is from ref. The
 * samples are float32 as for nq_convert (fill is asked for ref's inputs);
 * an int8/uint8 input of either model is quantized from them with that
 * input's own parameters. Both models need the same number of inputs and
 * outputs with the same element counts. opts may be NULL. */
NQ_API nq_status nq_compare(const nq_model *ref, const nq_model *test, int n_samples, nq_fill_fn fill,
                            void *user, const nq_compare_options *opts, nq_compare_report **out,
                            nq_error *err);
/* nq_compare with the samples in memory, laid out as for nq_convert_arrays. */
NQ_API nq_status nq_compare_arrays(const nq_model *ref, const nq_model *test, const float *data,
                                   int n_samples, const nq_compare_options *opts, nq_compare_report **out,
                                   nq_error *err);
/* nq_compare with samples from a source (fill is asked for ref's inputs). */
NQ_API nq_status nq_compare_source(const nq_model *ref, const nq_model *test, const nq_sample_source *src,
                                   const nq_compare_options *opts, nq_compare_report **out, nq_error *err);
/* The figures per model output (in output order) and, with per_tensor, per
 * matched tensor (in the reference model's tensor order). */
NQ_API int nq_compare_num_outputs(const nq_compare_report *r);
NQ_API int nq_compare_num_tensors(const nq_compare_report *r);
NQ_API nq_status nq_compare_output(const nq_compare_report *r, int i, nq_compare_figures *out, nq_error *err);
NQ_API nq_status nq_compare_tensor(const nq_compare_report *r, int i, nq_compare_figures *out, nq_error *err);
NQ_API void nq_compare_report_free(nq_compare_report *r);
/* A test model converted with split_outputs: nq_compare_output gives each
 * original output with its parts put back together (scale 0), and these the
 * parts one by one (name: the part output's, tensor_ref: the reference
 * output it is part of; *output: that output's index). Otherwise, an output
 * whose last axis the reference model makes by a concatenation (a
 * detector's rows: boxes beside objectness and class scores) gives its
 * column groups one by one, named OUTPUT:columnsK (the scale is the
 * whole output's). 0 parts when neither applies. */
NQ_API int nq_compare_num_parts(const nq_compare_report *r);
NQ_API nq_status nq_compare_part(const nq_compare_report *r, int i, nq_compare_figures *out, int *output,
                                 nq_error *err);

/* Task-level figures over all samples (nq_compare_options.task). detect: the
 * reference model's detections matched to the test model's, best score
 * first, each to the unmatched one of the same class with the highest IoU
 * >= 0.5; landmark: the mean x/y distance between the models' keypoints (in
 * the units of the outputs: pixels for MediaPipe's landmark nets). */
typedef struct nq_compare_task_figures {
  int task;          /* as asked (0: none) */
  int detect_layout; /* the layout used: 1 postprocess, 2 YOLO, 3 MediaPipe */
  int64_t ref_detections, test_detections, matched;
  double recall;    /* matched / ref_detections (1 when there are none) */
  double precision; /* matched / test_detections (1 when there are none) */
  double mean_iou;  /* over matched pairs (0 when none) */
  int64_t keypoints;
  double mean_keypoint_error;
} nq_compare_task_figures;
NQ_API nq_status nq_compare_task(const nq_compare_report *r, nq_compare_task_figures *out, nq_error *err);

/* ---- Which nodes an NPU leaves to the CPU (what `inspect --npu` prints) ---- */

/* One finding: a node that falls back to the CPU, or a note. The strings
 * belong to the result. */
typedef struct nq_npu_finding_info {
  int node;         /* node index (as nq_model_node), or -1 for a note about the whole model */
  const char *op;   /* the node's op ("CONV_2D"); "" for a note */
  const char *name; /* the node's name as nq_node_info.name; "" for a note */
  int cpu_fallback; /* 1: the node runs on the CPU; 0: a note */
  const char *reason;
} nq_npu_finding_info;

typedef struct nq_npu_result nq_npu_result;

/* The known targets, comma separated: "imx8mp, ethos-u, edgetpu"
 * (i.MX 8M Plus through TFLite's VX delegate, Arm Ethos-U55/U65 through
 * Vela, Coral Edge TPU through edgetpu_compiler). */
NQ_API const char *nq_npu_targets(void);
/* 1 if `name` is one of the targets nq_npu_targets lists, else 0. */
NQ_API int nq_npu_target_is_known(const char *name);
/* 1 if target `name` runs TFLite's 16x8 models (int16 activations) on its
 * NPU (Ethos-U), 0 if not (the i.MX 8M Plus VX delegate, the Edge TPU leave
 * int16 nodes to the CPU) or unknown: what nq_convert_options.recipe_int16
 * is for. */
NQ_API int nq_npu_target_runs_int16x8(const char *name);
/* Check every node of m for `target`; NQ_ERR_INVALID_ARG for an unknown
 * target. The result copies what it needs: it may outlive the model. */
NQ_API nq_status nq_npu_check_model(const nq_model *m, const char *target, nq_npu_result **out,
                                    nq_error *err);
NQ_API const char *nq_npu_result_target(const nq_npu_result *r); /* e.g. "i.MX 8M Plus NPU (VX delegate)" */
NQ_API int nq_npu_result_num_nodes(const nq_npu_result *r);
NQ_API int nq_npu_result_num_fallback(const nq_npu_result *r);
NQ_API int nq_npu_result_num_findings(const nq_npu_result *r);
/* Finding i: fallbacks in node order, then notes. */
NQ_API nq_status nq_npu_result_finding(const nq_npu_result *r, int i, nq_npu_finding_info *out,
                                       nq_error *err);
NQ_API void nq_npu_result_free(nq_npu_result *r);

/* ---- Which fast kernels run (`--kernels`) ---- */

/* The code path of the fast kernels, for nq_session_options.kernels (and
 * the kernels field of the convert and compare options). The choice never
 * changes an int8 result: every path computes the reference kernels' int32
 * arithmetic, bit for bit; float results may differ in the last bits (FMA). */
typedef enum nq_kernels {
  NQ_KERNELS_AUTO = 0, /* the best this CPU and build run: avx2 on an x86-64 CPU with AVX2+FMA,
                          neon on an aarch64 build, else portable */
  NQ_KERNELS_PORTABLE, /* plain C (what any CPU runs) */
  NQ_KERNELS_AVX2,     /* x86-64 AVX2+FMA; NQ_ERR_UNSUPPORTED on a CPU or build without them */
  NQ_KERNELS_NEON,     /* an aarch64 build; no kernel uses NEON intrinsics yet, so today this is
                          the portable C compiled for aarch64; NQ_ERR_UNSUPPORTED elsewhere */
} nq_kernels;

/* "auto", "portable", "avx2", "neon" (static strings). */
NQ_API const char *nq_kernels_name(nq_kernels k);
/* Parse a name nq_kernels_name gives; NQ_ERR_INVALID_ARG otherwise. */
NQ_API nq_status nq_kernels_parse(const char *name, nq_kernels *out, nq_error *err);
/* What `want` runs as on this machine (AUTO resolved), or NQ_ERR_UNSUPPORTED
 * with a message when this CPU or build cannot run it. */
NQ_API nq_status nq_kernels_resolve(nq_kernels want, nq_kernels *use, nq_error *err);
/* The kernel set a session runs (its option resolved: never AUTO). */
NQ_API nq_kernels nq_session_kernels(const nq_session *s);

#ifdef __cplusplus
}
#endif
#endif /* NPUQUANT_H */
