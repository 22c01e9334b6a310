/* The model facts `inspect` prints beyond tensors and nodes: the
 * description, signatures and metadata entries (nq_model_description,
 * nq_model_signature*, nq_model_metadata). */
#include <string.h>

#include "api/model_internal.h"
#include "core/status.h"

const char *nq_model_description(const nq_model *m) { return m && m->graph ? m->graph->description : NULL; }

int nq_model_num_signatures(const nq_model *m) { return m && m->graph ? m->graph->n_signatures : 0; }

static nq_status find_signature(const nq_model *m, int i, const nq_signature **out, nq_error *err) {
  if (!m || !m->graph) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_model_signature: no model");
  if (i < 0 || i >= m->graph->n_signatures)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "signature %d: the model has %d signatures", i,
                   m->graph->n_signatures);
  *out = &m->graph->signatures[i];
  return NQ_OK;
}

nq_status nq_model_signature(const nq_model *m, int i, nq_signature_info *out, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_model_signature: out is NULL");
  const nq_signature *sg = NULL;
  NQ_TRY(find_signature(m, i, &sg, err));
  memset(out, 0, sizeof *out);
  out->key = sg->key;
  out->n_inputs = sg->n_in;
  out->n_outputs = sg->n_out;
  return NQ_OK;
}

nq_status nq_model_signature_entry(const nq_model *m, int i, int is_output, int k, nq_signature_entry *out,
                                   nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_model_signature_entry: out is NULL");
  const nq_signature *sg = NULL;
  NQ_TRY(find_signature(m, i, &sg, err));
  int n = is_output ? sg->n_out : sg->n_in;
  if (k < 0 || k >= n)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "signature %d %s %d: it has %d", i,
                   is_output ? "output" : "input", k, n);
  const nq_sig_entry *e = is_output ? &sg->out[k] : &sg->in[k];
  out->name = e->name;
  out->tensor = e->tensor;
  return NQ_OK;
}

int nq_model_num_metadata(const nq_model *m) { return m && m->graph ? m->graph->n_metadata : 0; }

nq_status nq_model_metadata(const nq_model *m, int i, nq_metadata_info *out, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!m || !m->graph || !out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_model_metadata: NULL argument");
  if (i < 0 || i >= m->graph->n_metadata)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "metadata %d: the model has %d entries", i, m->graph->n_metadata);
  out->name = m->graph->metadata[i].name;
  out->size = m->graph->metadata[i].size;
  return NQ_OK;
}
