/*
 * Unpacking an .onnx file with protobuf-c, wrapped so every failure says
 * why: protobuf-c's unpack returns NULL without a reason, so the size is
 * bounded before, a NULL result is reported as "not a valid ONNX protobuf",
 * and the structure the translator walks is validated after (a graph is
 * present, counts are bounded, every name the translator dereferences is
 * set, attributes have a known type).
 */
#include <string.h>

#include "core/status.h"
#include "frontends/onnx/onnx_internal.h"

static nq_status check_graph(const char *path, const Onnx__GraphProto *g, int depth, nq_error *err);

/* Subgraphs (If branches) nest at most this deep. */
#define OX_MAX_GRAPH_DEPTH 8

static nq_status check_node(const char *path, size_t k, const Onnx__NodeProto *n, int depth, nq_error *err) {
  const char *name = n->name && n->name[0] ? n->name : "(unnamed)";
  if (!n->op_type || !n->op_type[0])
    return nq_fail(err, NQ_ERR_FORMAT, "%s: node %zu '%s' has no op_type", path, k, name);
  if (n->n_input > NQ_MAX_NODE_IO || n->n_output > NQ_MAX_NODE_IO)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: node '%s' (%s) has %zu inputs and %zu outputs; at most %d each",
                   path, name, n->op_type, n->n_input, n->n_output, NQ_MAX_NODE_IO);
  if (n->n_attribute > OX_MAX_ATTRS)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: node '%s' (%s) has %zu attributes; at most %d", path, name,
                   n->op_type, n->n_attribute, OX_MAX_ATTRS);
  for (size_t a = 0; a < n->n_attribute; a++) {
    const Onnx__AttributeProto *at = n->attribute[a];
    if (!at->name)
      return nq_fail(err, NQ_ERR_FORMAT, "%s: node '%s' (%s): attribute %zu has no name", path, name,
                     n->op_type, a);
    if (at->g) {
      if (depth >= OX_MAX_GRAPH_DEPTH)
        return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: node '%s' (%s): subgraphs nested deeper than %d", path,
                       name, n->op_type, OX_MAX_GRAPH_DEPTH);
      NQ_TRY(check_graph(path, at->g, depth + 1, err));
    }
  }
  return NQ_OK;
}

static nq_status check_value_infos(const char *path, const char *what, size_t count, Onnx__ValueInfoProto **v,
                                   nq_error *err) {
  for (size_t k = 0; k < count; k++) {
    if (!v[k]->name || !v[k]->name[0])
      return nq_fail(err, NQ_ERR_FORMAT, "%s: graph %s %zu has no name", path, what, k);
  }
  return NQ_OK;
}

nq_status ox_model_read_memory(const uint8_t *data, size_t size, const char *path, Onnx__ModelProto **model,
                               nq_error *err) {
  *model = NULL;
  if (size > OX_MAX_FILE)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: %zu bytes; ONNX protobufs are at most 2 GiB", path, size);
  if (size == 0) return nq_fail(err, NQ_ERR_FORMAT, "%s: empty file", path);
  Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, size, data);
  if (!m)
    return nq_fail(err, NQ_ERR_FORMAT,
                   "%s: not a valid ONNX protobuf (ModelProto could not be decoded: truncated, corrupt, "
                   "or not ONNX)",
                   path);
  nq_status s = m->graph ? check_graph(path, m->graph, 0, err)
                         : nq_fail(err, NQ_ERR_FORMAT, "%s: ONNX model has no graph", path);
  if (s != NQ_OK) {
    onnx__model_proto__free_unpacked(m, NULL);
    return s;
  }
  *model = m;
  return NQ_OK;
}

/* The main graph (depth 0) or a subgraph: counts bounded, names set. */
static nq_status check_graph(const char *path, const Onnx__GraphProto *g, int depth, nq_error *err) {
  nq_status s = NQ_OK;
  if (g->n_node > OX_MAX_NODES)
    s = nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: graph has %zu nodes; at most %d supported", path, g->n_node,
                OX_MAX_NODES);
  else if (g->n_initializer > OX_MAX_VALUES || g->n_input > NQ_MAX_NODE_IO || g->n_output > NQ_MAX_NODE_IO)
    s = nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: graph has %zu initializers, %zu inputs, %zu outputs: too many",
                path, g->n_initializer, g->n_input, g->n_output);
  else if (g->n_output == 0)
    s = nq_fail(err, NQ_ERR_FORMAT, "%s: graph has no outputs", path);
  for (size_t k = 0; s == NQ_OK && k < g->n_node; k++) s = check_node(path, k, g->node[k], depth, err);
  if (s == NQ_OK) s = check_value_infos(path, "input", g->n_input, g->input, err);
  if (s == NQ_OK) s = check_value_infos(path, "output", g->n_output, g->output, err);
  for (size_t k = 0; s == NQ_OK && k < g->n_initializer; k++)
    if (!g->initializer[k]->name || !g->initializer[k]->name[0])
      s = nq_fail(err, NQ_ERR_FORMAT, "%s: initializer %zu has no name", path, k);
  return s;
}

void ox_model_free(Onnx__ModelProto *m) {
  if (m) onnx__model_proto__free_unpacked(m, NULL);
}

/* ---- attributes ---- */

const Onnx__AttributeProto *ox_attr(const Onnx__NodeProto *n, const char *name) {
  for (size_t a = 0; a < n->n_attribute; a++)
    if (!strcmp(n->attribute[a]->name, name)) return n->attribute[a];
  return NULL;
}

static nq_status wrong_type(ox_ctx *cx, const Onnx__NodeProto *n, const char *name, const char *want,
                            nq_error *err) {
  return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "attribute '%s' should be %s", OX_NODE_ARGS(cx, n), name,
                 want);
}

nq_status ox_attr_int(ox_ctx *cx, const Onnx__NodeProto *n, const char *name, int64_t def, int64_t *out,
                      nq_error *err) {
  const Onnx__AttributeProto *a = ox_attr(n, name);
  *out = def;
  if (!a) return NQ_OK;
  if (a->has_type && a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT)
    return wrong_type(cx, n, name, "an int", err);
  if (!a->has_i && !a->has_type) return wrong_type(cx, n, name, "an int", err);
  *out = a->i;
  return NQ_OK;
}

nq_status ox_attr_float(ox_ctx *cx, const Onnx__NodeProto *n, const char *name, float def, float *out,
                        nq_error *err) {
  const Onnx__AttributeProto *a = ox_attr(n, name);
  *out = def;
  if (!a) return NQ_OK;
  if (a->has_type && a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT)
    return wrong_type(cx, n, name, "a float", err);
  *out = a->f;
  return NQ_OK;
}

nq_status ox_attr_ints(ox_ctx *cx, const Onnx__NodeProto *n, const char *name, int64_t *out, int cap,
                       int *count, nq_error *err) {
  const Onnx__AttributeProto *a = ox_attr(n, name);
  *count = -1;
  if (!a) return NQ_OK;
  if (a->has_type && a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS)
    return wrong_type(cx, n, name, "a list of ints", err);
  if (a->n_ints > (size_t)cap)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "attribute '%s' has %zu values; at most %d supported",
                   OX_NODE_ARGS(cx, n), name, a->n_ints, cap);
  for (size_t k = 0; k < a->n_ints; k++) out[k] = a->ints[k];
  *count = (int)a->n_ints;
  return NQ_OK;
}

nq_status ox_attr_string(ox_ctx *cx, const Onnx__NodeProto *n, const char *name, const char *def, char *buf,
                         size_t cap, nq_error *err) {
  const Onnx__AttributeProto *a = ox_attr(n, name);
  const char *v = def;
  size_t len = strlen(def);
  if (a) {
    if ((a->has_type && a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING) || !a->has_s)
      return wrong_type(cx, n, name, "a string", err);
    v = (const char *)a->s.data;
    len = a->s.len;
  }
  if (len >= cap)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "attribute '%s' is too long", OX_NODE_ARGS(cx, n),
                   name);
  memcpy(buf, v, len);
  buf[len] = '\0';
  return NQ_OK;
}
