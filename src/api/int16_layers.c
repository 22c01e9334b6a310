#include "api/int16_layers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/notes.h"
#include "core/status.h"
#include "quant/act16.h"
#include "quant/int16_auto.h"

static bool wants_int16(const nq_convert_options *o) { return o->activations_int16 || o->int16_layers; }

nq_status nq_int16_options_check(const nq_convert_options *o, nq_error *err) {
  if (!wants_int16(o) && (o->input_type == NQ_INT16 || o->output_type == NQ_INT16))
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "int16 model %s: only with int16 activations (activations_int16 or int16_layers)",
                   o->input_type == NQ_INT16 ? "input" : "output");
  if (o->input_type == NQ_INT16 && o->input_from_bytes)
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "an int16 model input cannot take raw uint8 bytes (input_from_bytes)");
  if (!wants_int16(o)) return NQ_OK;
  if (o->bias_correct || o->weight_round || o->recipe_auto)
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "int16 activations do not combine with %s yet (it measures and edits int8 layers with "
                   "int32 biases)",
                   o->bias_correct   ? "bias correction"
                   : o->weight_round ? "--weight-round"
                                     : "the automatic recipe");
  return NQ_OK;
}

nq_status nq_int16_layers_plan(const nq_graph *g, const nq_convert_options *o, const nq_ranges *r,
                               const nq_sample_source *src, const nq_session_options *so,
                               unsigned char **mask, nq_error *err) {
  *mask = NULL;
  if (!wants_int16(o)) return NQ_OK;
  unsigned char *m = calloc((size_t)g->n_nodes + 1, 1);
  if (!m) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for %d node flags", g->n_nodes);
  nq_status st = NQ_OK;
  nq_note_route notes = {o, NQ_NOTE_INT16};
  if (o->int16_layers && strcmp(o->int16_layers, "auto") == 0)
    st = nq_int16_auto(g, r, src, so, m, nq_note_fn(o), &notes, err);
  else if (o->int16_layers)
    st = nq_act16_select(g, o->int16_layers, m, err);
  else
    memset(m, 1, (size_t)g->n_nodes);
  if (st != NQ_OK) {
    free(m);
    return st;
  }
  *mask = m;
  return NQ_OK;
}

int nq_int16_node_count(const nq_graph *q) {
  int n16 = 0;
  for (int i = 0; i < q->n_nodes; i++) {
    const nq_node *n = &q->nodes[i];
    if (n->op == NQ_OP_QUANTIZE || n->op == NQ_OP_DEQUANTIZE || n->n_out < 1 || n->out[0] < 0) continue;
    n16 += q->tensors[n->out[0]].type == NQ_INT16;
  }
  return n16;
}

bool nq_int16_unchecked(const nq_graph *q, const nq_convert_options *o, const nq_error *err) {
  /* only the executor's missing int16 kernels; any other refusal stands */
  if (nq_int16_node_count(q) == 0 || !strstr(err->msg, "int16")) return false;
  if (o->warn) {
    char msg[1200];
    snprintf(msg, sizeof msg,
             "npuquant's executor cannot run this 16x8 model yet (%s): it is kept unchecked and unmeasured; "
             "TFLite runs it with its reference kernels",
             err->msg);
    o->warn(o->warn_user, msg);
  }
  return true;
}
