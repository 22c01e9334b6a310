/*
 * nq_model: loading (format detected from the file's bytes), freeing, and
 * describing a model's tensors to callers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/formats.h"
#include "api/model_internal.h"
#include "core/input_file.h"
#include "core/status.h"
#include "frontends/tflite/tflite_reader.h"
#include "writers/tflite/tflite_write.h"

/* Largest model file npuquant reads; flatbuffers cannot address more. */
#define NQ_MAX_MODEL_FILE ((size_t)0x7fffffff)

nq_status nq_model_wrap(nq_graph *g, const char *path, nq_model **out, nq_error *err) {
  *out = NULL;
  nq_model *m = calloc(1, sizeof *m);
  char *p = NULL;
  if (m && path) {
    size_t n = strlen(path) + 1;
    if ((p = malloc(n))) memcpy(p, path, n);
  }
  if (!m || (path && !p)) {
    free(m);
    free(p);
    nq_graph_free(g);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory wrapping a model");
  }
  m->graph = g;
  m->path = p;
  *out = m;
  return NQ_OK;
}

void nq_model_free(nq_model *m) {
  if (!m) return;
  nq_graph_free(m->graph);
  nq_input_list_release(&m->inputs);
  free(m->path);
  free(m);
}

static nq_status read_file(const char *path, uint8_t **data, size_t *size, nq_error *err) {
  return nq_input_read(path, NULL, NQ_MAX_MODEL_FILE, data, size, err);
}

/* What a file that is not .tflite looks like, for a helpful message. */
static const char *guess_format(const uint8_t *d, size_t n) {
  if (n >= 8 && memcmp(d, "\x89HDF\r\n\x1a\n", 8) == 0) return "an HDF5 file (Keras .h5?)";
  if (n >= 4 && memcmp(d, "PK\x03\x04", 4) == 0) return "a zip archive (.keras?)";
  if (n >= 2 && d[0] == 0x08) return "possibly a protobuf (ONNX or TensorFlow .pb?)";
  return NULL;
}

/* The frontends this build leaves out (NQ_WITH_* = OFF), for the message below. */
#if NQ_HAVE_ONNX
#define NQ_MISSING_ONNX ""
#else
#define NQ_MISSING_ONNX " ONNX"
#endif
#if NQ_HAVE_TENSORFLOW
#define NQ_MISSING_TF ""
#else
#define NQ_MISSING_TF " TensorFlow"
#endif
#if NQ_HAVE_KERAS
#define NQ_MISSING_KERAS ""
#else
#define NQ_MISSING_KERAS " Keras"
#endif
#define NQ_MISSING_FRONTENDS NQ_MISSING_ONNX NQ_MISSING_TF NQ_MISSING_KERAS

static const char *missing_frontends(void) {
  return NQ_MISSING_FRONTENDS[0]
             ? "; this build was configured without the frontends for" NQ_MISSING_FRONTENDS
               " (NQ_WITH_* options)"
             : "";
}

/* The first bytes of a file (fewer for a short file; 0 for a directory).
 * The file is opened like every input: a FIFO or device is refused, not read. */
static size_t read_head(const char *path, bool *is_dir, uint8_t *head, nq_error *err, nq_status *st) {
  struct stat sb;
  *st = NQ_OK;
  if (stat(path, &sb) != 0) {
    *st = nq_fail(err, NQ_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    return 0;
  }
  *is_dir = S_ISDIR(sb.st_mode);
  if (*is_dir) {
    *st = nq_input_check_dir(path, NULL, err);
    return 0;
  }
  FILE *f;
  if ((*st = nq_input_fopen(path, NULL, &f, NULL, err)) != NQ_OK) return 0;
  size_t n = fread(head, 1, NQ_FORMAT_HEAD, f);
  fclose(f);
  return n;
}

typedef struct format_entry {
  const char *desc;
  bool (*probe)(const char *, bool, const uint8_t *, size_t);
  nq_status (*load)(const char *, const nq_load_options *, nq_graph **, nq_error *);
} format_entry;

static const format_entry formats[] = {
#define NQ_FORMAT(name, desc) {desc, nq_##name##_probe, nq_##name##_load},
#include "frontends/formats.def"
#undef NQ_FORMAT
};

const char *nq_format_describe(const char *path) {
  uint8_t head[NQ_FORMAT_HEAD];
  bool is_dir = false;
  nq_error e;
  nq_status st;
  size_t n = read_head(path, &is_dir, head, &e, &st);
  if (st != NQ_OK) return NULL;
  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
    if (formats[i].probe(path, is_dir, head, n)) return formats[i].desc;
  return NULL;
}

bool nq_tflite_probe(const char *path, bool is_dir, const uint8_t *head, size_t head_len) {
  (void)path;
  return !is_dir && nq_tflite_is_tflite(head, head_len);
}

nq_status nq_tflite_load(const char *path, const nq_load_options *opts, nq_graph **out, nq_error *err) {
  (void)opts;
  uint8_t *data;
  size_t size;
  NQ_TRY(read_file(path, &data, &size, err));
  nq_status s = nq_tflite_read_memory(data, size, path, out, err);
  free(data);
  return s;
}

static nq_status load_any(const char *path, const nq_load_options *opts, nq_model **out, nq_error *err);

nq_status nq_model_load_ex(const char *path, const nq_load_options *opts, nq_model **out, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_model_load: out is NULL");
  *out = NULL;
  if (!path) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_model_load: path is NULL");
  nq_load_options none;
  memset(&none, 0, sizeof none);
  if (!opts) opts = &none;
  /* Every file opened from here on belongs to this model. */
  nq_input_list inputs = {0};
  nq_input_list *outer = nq_input_collect_begin(&inputs);
  nq_status s = load_any(path, opts, out, err);
  nq_input_collect_end(outer);
  if (s == NQ_OK)
    (*out)->inputs = inputs;
  else
    nq_input_list_release(&inputs);
  return s;
}

static nq_status load_any(const char *path, const nq_load_options *opts, nq_model **out, nq_error *err) {
  uint8_t head[NQ_FORMAT_HEAD];
  bool is_dir = false;
  nq_status s;
  size_t n = read_head(path, &is_dir, head, err, &s);
  if (s != NQ_OK) return s;
  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
    if (!formats[i].probe(path, is_dir, head, n)) continue;
    nq_graph *g = NULL;
    NQ_TRY(formats[i].load(path, opts, &g, err));
    return nq_model_wrap(g, path, out, err);
  }
  const char *what = is_dir ? "a directory" : guess_format(head, n);
  /* Not a model at all is bad input (NQ_ERR_FORMAT), not an unsupported feature. */
  char known[256] = "";
  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
    size_t l = strlen(known);
    snprintf(known + l, sizeof known - l, "%s%s", i ? ", " : "", formats[i].desc);
  }
  return nq_fail(err, NQ_ERR_FORMAT, "%s: not a model npuquant can read%s%s (it reads: %s%s)", path,
                 what ? "; it looks like " : "", what ? what : "", known, missing_frontends());
}

nq_status nq_model_load(const char *path, nq_model **out, nq_error *err) {
  return nq_model_load_ex(path, NULL, out, err);
}

int nq_model_num_inputs(const nq_model *m) { return m && m->graph ? m->graph->n_inputs : 0; }
int nq_model_num_outputs(const nq_model *m) { return m && m->graph ? m->graph->n_outputs : 0; }
int nq_model_num_tensors(const nq_model *m) { return m && m->graph ? m->graph->n_tensors : 0; }
const char *nq_model_source(const nq_model *m) { return m ? m->path : NULL; }

static void describe(const nq_graph *g, int t, nq_tensor_info *o) {
  const nq_tensor *x = &g->tensors[t];
  memset(o, 0, sizeof *o);
  o->name = x->name ? x->name : "";
  o->type = x->type;
  o->rank = x->rank < NQ_API_MAX_RANK ? x->rank : NQ_API_MAX_RANK;
  for (int k = 0; k < o->rank; k++) o->shape[k] = x->shape[k];
  o->n_params = x->q.n;
  o->scale = x->q.scale;
  o->zero_point = x->q.zero_point;
  o->axis = x->q.axis;
  o->nbytes = nq_tensor_elems(x) * nq_dtype_size(x->type);
  o->is_constant = x->data != NULL;
}

nq_status nq_model_tensor(const nq_model *m, int t, nq_tensor_info *out, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!m || !m->graph || !out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_model_tensor: NULL argument");
  if (t < 0 || t >= m->graph->n_tensors)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "tensor %d: the model has %d tensors", t, m->graph->n_tensors);
  describe(m->graph, t, out);
  return NQ_OK;
}

nq_status nq_model_input(const nq_model *m, int i, nq_tensor_info *out, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!m || !m->graph || !out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_model_input: NULL argument");
  if (i < 0 || i >= m->graph->n_inputs)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "input %d: the model has %d inputs", i, m->graph->n_inputs);
  describe(m->graph, m->graph->inputs[i], out);
  return NQ_OK;
}

nq_status nq_model_output(const nq_model *m, int i, nq_tensor_info *out, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!m || !m->graph || !out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_model_output: NULL argument");
  if (i < 0 || i >= m->graph->n_outputs)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "output %d: the model has %d outputs", i, m->graph->n_outputs);
  describe(m->graph, m->graph->outputs[i], out);
  return NQ_OK;
}

nq_status nq_model_save_tflite(const nq_model *m, const char *path, nq_error *err) {
  if (!m || !m->graph) return nq_fail(err, NQ_ERR_INVALID_ARG, "save: no model given");
  if (!path || !*path) return nq_fail(err, NQ_ERR_INVALID_ARG, "save: no output path given");
  /* m->path is the file the model came from: never write over it. */
  return nq_tflite_write_file(m->graph, path, m->path, err);
}
