/* The public nq_session_* API (include/npuquant.h) over the engine. */
#include <string.h>

#include "api/model_internal.h"
#include "core/status.h"
#include "exec/engine.h"

nq_status nq_session_create(const nq_model *m, const nq_session_options *opts, nq_session **out, nq_error *err) {
  if (!out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_session_create: out is NULL");
  *out = NULL;
  if (!m || !m->graph) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_session_create: no model");
  return nq_engine_create(m->graph, opts, out, err);
}

void nq_session_free(nq_session *s) { nq_engine_free(s); }

const char *nq_rounding_name(int single_rounding) {
  return single_rounding ? "single rounding (XNNPACK: what LiteRT runs on a CPU)"
                         : "double rounding (TFLite's reference kernels, no XNNPACK)";
}

int nq_model_is_quantized(const nq_model *m) {
  if (!m || !m->graph) return 0;
  for (int t = 0; t < m->graph->n_tensors; t++) {
    const nq_tensor *x = &m->graph->tensors[t];
    if (!x->data && x->q.n > 0 && (x->type == NQ_INT8 || x->type == NQ_UINT8 || x->type == NQ_INT16)) return 1;
  }
  return 0;
}

static const char *io_name(const nq_graph *g, int t) {
  const char *n = g->tensors[t].name;
  return n ? n : "";
}

nq_status nq_session_set_input(nq_session *s, int i, const void *data, size_t nbytes, nq_error *err) {
  if (!s) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_session_set_input: no session");
  const nq_graph *g = s->g;
  if (i < 0 || i >= g->n_inputs)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "input %d does not exist (the model has %d)", i, g->n_inputs);
  int t = g->inputs[i];
  if (s->home[t] != NQ_HOME_IO)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "input %d ('%s') is a constant and cannot be set", i, io_name(g, t));
  if (nbytes != s->nbytes[t] || (!data && nbytes))
    return nq_fail(err, NQ_ERR_INVALID_ARG, "input %d ('%s'): %zu bytes given, %zu expected (%zu %s elements)", i,
                   io_name(g, t), nbytes, s->nbytes[t], s->nbytes[t] / nq_dtype_size(g->tensors[t].type),
                   nq_dtype_name(g->tensors[t].type));
  if (nbytes) memcpy(s->io_buf[t], data, nbytes);
  return NQ_OK;
}

nq_status nq_session_run(nq_session *s, nq_error *err) {
  if (!s) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_session_run: no session");
  return nq_engine_run(s, err);
}

nq_status nq_session_output(nq_session *s, int i, const void **data, size_t *nbytes, nq_error *err) {
  if (!s || !data || !nbytes) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_session_output: NULL argument");
  if (i < 0 || i >= s->g->n_outputs)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "output %d does not exist (the model has %d)", i, s->g->n_outputs);
  return nq_session_tensor(s, s->g->outputs[i], data, nbytes, err);
}

static const unsigned char no_bytes[1];

nq_status nq_session_tensor(nq_session *s, int t, const void **data, size_t *nbytes, nq_error *err) {
  if (!s || !data || !nbytes) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_session_tensor: NULL argument");
  const nq_graph *g = s->g;
  if (t < 0 || t >= g->n_tensors)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "tensor %d does not exist (the model has %d)", t, g->n_tensors);
  switch (s->home[t]) {
    case NQ_HOME_CONST:
      *data = g->tensors[t].data;
      break;
    case NQ_HOME_IO:
      *data = s->io_buf[t];
      break;
    case NQ_HOME_ARENA:
      if (!s->has_run)
        return nq_fail(err, NQ_ERR_INVALID_ARG, "tensor %d ('%s') has no value: the session has not run", t, io_name(g, t));
      if (s->clobbered[t])
        return nq_fail(err, NQ_ERR_INVALID_ARG,
                       "tensor %d ('%s'): its memory was reused by a later tensor; call nq_session_keep_all_tensors() "
                       "before running", t, io_name(g, t));
      /* A zero-byte tensor may sit in an empty (NULL) arena: still a valid pointer. */
      *data = s->nbytes[t] ? (const void *)(s->arena + s->plan[t].offset) : (const void *)no_bytes;
      break;
    default:
      return nq_fail(err, NQ_ERR_INVALID_ARG, "tensor %d ('%s') is neither produced nor read by the model", t,
                     io_name(g, t));
  }
  *nbytes = s->nbytes[t];
  return NQ_OK;
}

nq_status nq_session_keep_all_tensors(nq_session *s, nq_error *err) {
  if (!s) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_session_keep_all_tensors: no session");
  return nq_engine_keep_all(s, err);
}
