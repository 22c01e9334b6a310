/* The public nq_session_* calls (include/npuquant.h) that act on a running
 * engine: inputs in, run, outputs and tensors out. nq_session_create, which
 * needs an nq_model, is in src/api/session.c; code below src/api creates its
 * sessions from a graph with nq_engine_create. */
#include <string.h>

#include "core/status.h"
#include "exec/engine.h"
#include "exec/engine_plan.h"

void nq_session_free(nq_session *s) { nq_engine_free(s); }

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
    return nq_fail(err, NQ_ERR_INVALID_ARG, "input %d ('%s') is a constant and cannot be set", i,
                   io_name(g, t));
  if (!data && nbytes)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "input %d ('%s'): data is NULL (%zu bytes announced)", i,
                   io_name(g, t), nbytes);
  if (nbytes != s->nbytes[t])
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "input %d ('%s'): %zu bytes given, %zu expected (%zu %s elements)", i, io_name(g, t),
                   nbytes, s->nbytes[t], s->nbytes[t] / nq_dtype_size(g->tensors[t].type),
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
    return nq_fail(err, NQ_ERR_INVALID_ARG, "output %d does not exist (the model has %d)", i,
                   s->g->n_outputs);
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
        return nq_fail(err, NQ_ERR_INVALID_ARG, "tensor %d ('%s') has no value: the session has not run", t,
                       io_name(g, t));
      if (!s->keep_all && nq_plan_clobbered(s->plan, g->n_tensors, t))
        return nq_fail(
            err, NQ_ERR_INVALID_ARG,
            "tensor %d ('%s'): its memory was reused by a later tensor; call nq_session_keep_all_tensors() "
            "before running",
            t, io_name(g, t));
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

nq_status nq_session_profile(nq_session *s, int on, nq_error *err) {
  if (!s) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_session_profile: no session");
  return nq_engine_profile(s, on != 0, err);
}

nq_status nq_session_node_time(const nq_session *s, int node, nq_node_time *out, nq_error *err) {
  if (!s || !out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_session_node_time: NULL argument");
  if (node < 0 || node >= s->g->n_nodes)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "node %d does not exist (the model has %d)", node, s->g->n_nodes);
  if (!s->node_ms)
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "node %d: no timings, call nq_session_profile(s, 1) before running", node);
  out->total_ms = s->node_ms[node];
  out->runs = s->profile_runs;
  out->kernel = nq_session_kernel_source(s, node);
  return NQ_OK;
}
