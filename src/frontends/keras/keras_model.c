/*
 * Functional and Sequential models: walk the layer graph of a model config
 * and translate each layer application ("inbound node") in dependency
 * order. Tensors are keyed by (layer name, node index, tensor index), which
 * is how every Keras version refers to them:
 *   Keras 2.x:  "inbound_nodes": [[["conv1", 0, 0, {}], ...], ...]
 *   Keras 3:    "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
 *                 "config": {"keras_history": ["conv1", 0, 0]}}], "kwargs": {}}]
 * A model used as a layer (Sequential around a Functional base) is built
 * recursively with its inputs bound to the caller's tensors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/keras/keras_internal.h"

typedef struct tmap_entry {
  const char *layer;
  int node, index, tensor;
} tmap_entry;

typedef struct tmap {
  tmap_entry *e;
  int n, cap;
} tmap;

static nq_status tmap_put(tmap *m, const char *layer, int node, int index, int tensor, nq_error *err) {
  if (m->n == m->cap) {
    int cap = m->cap ? m->cap * 2 : 64;
    tmap_entry *e = realloc(m->e, (size_t)cap * sizeof *e);
    if (!e) return nq_fail(err, NQ_ERR_NOMEM, "keras: out of memory");
    m->e = e;
    m->cap = cap;
  }
  m->e[m->n++] = (tmap_entry){layer, node, index, tensor};
  return NQ_OK;
}

static int tmap_get(const tmap *m, const char *layer, int node, int index) {
  for (int i = m->n - 1; i >= 0; i--)
    if (m->e[i].node == node && m->e[i].index == index && strcmp(m->e[i].layer, layer) == 0)
      return m->e[i].tensor;
  return -1;
}

/* A reference to a layer output, as parsed from the config. */
typedef struct tref {
  const char *layer;
  int node, index;
} tref;

static bool as_ref(const cJSON *v, tref *r) {
  /* [name, node, index(, kwargs)] */
  if (!cJSON_IsArray(v)) return false;
  int n = cJSON_GetArraySize(v);
  if (n < 3 || n > 4) return false;
  const cJSON *a = cJSON_GetArrayItem(v, 0), *b = cJSON_GetArrayItem(v, 1), *c = cJSON_GetArrayItem(v, 2);
  if (!cJSON_IsString(a) || !cJSON_IsNumber(b) || !cJSON_IsNumber(c)) return false;
  if (b->valuedouble < 0 || b->valuedouble > 1e6 || c->valuedouble < 0 || c->valuedouble > 1e6) return false;
  r->layer = a->valuestring;
  r->node = (int)b->valuedouble;
  r->index = (int)c->valuedouble;
  return true;
}

/* Collect the tensor references inside one inbound node (any Keras spelling). */
static bool collect_refs(const cJSON *v, tref *out, int *n, int depth) {
  if (depth > 8) return false;
  tref r;
  if (as_ref(v, &r)) {
    if (*n >= KR_MAX_LAYER_IO) return false;
    out[(*n)++] = r;
    return true;
  }
  if (cJSON_IsObject(v)) {
    const char *cls = kr_str(v, "class_name", NULL);
    if (cls && strcmp(cls, "__keras_tensor__") == 0) {
      const cJSON *h = cJSON_GetObjectItemCaseSensitive(kr_cfg(v), "keras_history");
      return as_ref(h, &r) && *n < KR_MAX_LAYER_IO ? (out[(*n)++] = r, true) : false;
    }
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(v, "args");
    if (args) return collect_refs(args, out, n, depth + 1);
    return true; /* kwargs-like dicts: no tensors we use */
  }
  if (cJSON_IsArray(v)) {
    const cJSON *e;
    cJSON_ArrayForEach(e, v) if (!collect_refs(e, out, n, depth + 1)) return false;
    return true;
  }
  return true; /* plain values (numbers, strings) in call arguments */
}

/* input_layers / output_layers: [[name, node, index], ...] or one [name, node, index]. */
static int io_refs(const cJSON *cfg, const char *key, tref *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, key);
  int n = 0;
  if (!v) return 0;
  tref r;
  if (as_ref(v, &r)) {
    out[0] = r;
    return 1;
  }
  if (!cJSON_IsArray(v)) return -1;
  const cJSON *e;
  cJSON_ArrayForEach(e, v) {
    if (n >= KR_MAX_LAYER_IO || !as_ref(e, &out[n])) return -1;
    n++;
  }
  return n;
}

static bool is_model_class(const char *cls) {
  return strcmp(cls, "Model") == 0 || strcmp(cls, "Functional") == 0 || strcmp(cls, "Sequential") == 0;
}

/* Parse opts->input_shapes for input number i ("1x64x64x1" or "NAME:1x...,..."). */
static bool option_shape(kr_ctx *c, const char *name, int32_t *shape, int *rank) {
  const char *s = c->input_shapes;
  while (s && *s) {
    const char *end = strchr(s, ',');
    size_t len = end ? (size_t)(end - s) : strlen(s);
    const char *colon = memchr(s, ':', len);
    const char *dims = s;
    bool match = !colon;
    if (colon) {
      match = strlen(name) == (size_t)(colon - s) && strncmp(s, name, (size_t)(colon - s)) == 0;
      dims = colon + 1;
    }
    if (match) {
      int r = 0;
      const char *p = dims;
      while (p < s + len && r < NQ_MAX_RANK) {
        char *q;
        long d = strtol(p, &q, 10);
        if (q == p || d < 1 || d > (1 << 24)) return false;
        shape[r++] = (int32_t)d;
        p = q;
        if (*p == 'x')
          p++;
        else
          break;
      }
      *rank = r;
      return r > 0;
    }
    s = end ? end + 1 : NULL;
  }
  return false;
}

/* A graph input for `name`, its shape from the config object `cfg`. */
static nq_status make_input(kr_ctx *c, const cJSON *cfg, const char *name, int *tensor, nq_error *err) {
  int32_t shape[NQ_MAX_RANK];
  int rank = kr_input_shape(cfg, shape);
  if (rank < 0)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: input layer '%s': malformed input shape", c->path, name);
  int orank;
  int32_t oshape[NQ_MAX_RANK];
  if (option_shape(c, name, oshape, &orank)) {
    if (rank > 0 && orank != rank)
      return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: input '%s' has rank %d, the --input-shape given has %d",
                     c->path, name, rank, orank);
    memcpy(shape, oshape, sizeof shape);
    rank = orank;
  }
  if (rank == 0)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: input layer '%s': no input shape in the config", c->path, name);
  if (shape[0] < 0) shape[0] = 1;
  bool cf = c->model_cf && rank == 4;
  if (cf) { /* NCHW in Keras: the graph input is NHWC */
    int32_t ch = shape[1];
    shape[1] = shape[2], shape[2] = shape[3], shape[3] = ch;
  }
  for (int i = 1; i < rank; i++)
    if (shape[i] < 0)
      return nq_fail(err, NQ_ERR_INVALID_ARG,
                     "%s: input '%s' has an unknown dimension %d; give its shape with --input-shape", c->path,
                     name, i);
  if (c->n_inputs >= KR_MAX_LAYER_IO) return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: too many inputs", c->path);
  const char *dt = kr_str(cfg, "dtype", "float32");
  if (strcmp(dt, "float32") != 0 && strcmp(dt, "float16") != 0 && strcmp(dt, "float64") != 0)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: input '%s' has dtype %s; only float inputs are supported",
                   c->path, name, dt);
  int t = nq_graph_add_tensor(c->g, name, NQ_FLOAT32, rank, shape, err);
  if (t < 0) return err->code;
  c->inputs[c->n_inputs++] = t;
  if (cf) NQ_TRY(kr_set_cf(c, t, true, err));
  *tensor = t;
  return NQ_OK;
}

static nq_status call_layer(kr_ctx *c, const cJSON *layer, const kr_scope *scope, const char *out_name,
                            int n_in, const int *in, int *out, int *n_out, nq_error *err) {
  const char *cls = kr_class(layer), *name = kr_layer_name(layer);
  if (++c->n_layers > KR_MAX_LAYERS)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: more than %d layers", c->path, KR_MAX_LAYERS);
  if (is_model_class(cls)) {
    if (scope->depth >= KR_MAX_NEST)
      return nq_fail(err, NQ_ERR_FORMAT, "%s: models nested too deeply", c->path);
    kr_scope inner = {.legacy_group = scope->legacy_group ? scope->legacy_group : name,
                      .depth = scope->depth + 1};
    int w = snprintf(inner.v3_prefix, sizeof inner.v3_prefix, "%slayers/%s/", scope->v3_prefix, name);
    if (w < 0 || (size_t)w >= sizeof inner.v3_prefix)
      return nq_fail(err, NQ_ERR_FORMAT, "%s: layer name too long", c->path);
    return kr_build_model(c, layer, &inner, n_in, in, out, n_out, KR_MAX_LAYER_IO, err);
  }
  for (int i = 0; i < n_in; i++)
    if (kr_t(c, in[i])->type != NQ_FLOAT32)
      return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: layer '%s' (%s): input is not float", c->path, name, cls);
  int lin[KR_MAX_LAYER_IO];
  if (n_in > KR_MAX_LAYER_IO)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: layer '%s': too many inputs", c->path, name);
  memcpy(lin, in, (size_t)n_in * sizeof(int));
  kr_layer_call l = {.layer = layer,
                     .cls = cls,
                     .name = name,
                     .cfg = kr_cfg(layer),
                     .out_name = out_name,
                     .n_in = n_in,
                     .in = lin,
                     .out = out,
                     .n_out = 0,
                     .scope = scope};
  if (!l.cfg) return nq_fail(err, NQ_ERR_FORMAT, "%s: layer '%s' (%s): no config", c->path, name, cls);
  NQ_TRY(kr_layout_before(c, &l, lin, err));
  const kr_layer_entry *e = kr_find_layer(cls);
  if (!e && strcmp(cls, "Lambda") == 0)
    return nq_fail(
        err, NQ_ERR_UNSUPPORTED,
        "%s: layer '%s' (Lambda): Lambda layers hold Python code and are not supported by npuquant", c->path,
        name);
  if (!e)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: layer '%s' (%s): layer class not supported by npuquant",
                   c->path, name, cls);
  NQ_TRY(e->translate(c, &l, e, err));
  *n_out = l.n_out;
  return kr_layout_after(c, &l, err);
}

static nq_status build_functional(kr_ctx *c, const cJSON *cfg, const kr_scope *scope, int n_in, const int *in,
                                  int *out, int *n_out, int max_out, nq_error *err) {
  const cJSON *layers = cJSON_GetObjectItemCaseSensitive(cfg, "layers");
  if (!cJSON_IsArray(layers))
    return nq_fail(err, NQ_ERR_FORMAT, "%s: model config has no 'layers' list", c->path);
  int nl = cJSON_GetArraySize(layers);
  if (nl > KR_MAX_LAYERS)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: more than %d layers", c->path, KR_MAX_LAYERS);
  tref ins[KR_MAX_LAYER_IO], outs[KR_MAX_LAYER_IO];
  int ni = io_refs(cfg, "input_layers", ins), no = io_refs(cfg, "output_layers", outs);
  if (ni <= 0 || no <= 0)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: model config: malformed input_layers/output_layers", c->path);
  if (n_in > 0 && n_in != ni)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: nested model '%s' takes %d inputs, called with %d", c->path,
                   kr_str(cfg, "name", "?"), ni, n_in);
  tmap m = {0};
  nq_status st = NQ_OK;
  /* inputs first */
  for (int i = 0; i < ni && st == NQ_OK; i++) {
    const cJSON *layer = NULL, *e;
    cJSON_ArrayForEach(e, layers) if (kr_layer_name(e) && strcmp(kr_layer_name(e), ins[i].layer) == 0) layer =
        e;
    if (!layer) {
      st =
          nq_fail(err, NQ_ERR_FORMAT, "%s: input layer '%s' is not in the layer list", c->path, ins[i].layer);
      break;
    }
    int t;
    if (n_in > 0)
      t = in[i], st = NQ_OK;
    else
      st = make_input(c, kr_cfg(layer), ins[i].layer, &t, err);
    if (st == NQ_OK) st = tmap_put(&m, ins[i].layer, ins[i].node, ins[i].index, t, err);
  }
  /* then every layer application whose inputs exist, until none is left */
  int total = 0;
  char *done_flags = NULL;
  if (st == NQ_OK) {
    const cJSON *e;
    cJSON_ArrayForEach(e, layers) {
      const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(e, "inbound_nodes");
      int k = cJSON_IsArray(nodes) ? cJSON_GetArraySize(nodes) : 0;
      if (k > 1000) k = 1000;
      total += k > 0 ? k : 1;
    }
    done_flags = calloc((size_t)total + 1, 1);
    if (!done_flags) st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->path);
  }
  bool progress = true;
  while (st == NQ_OK && progress) {
    progress = false;
    int slot = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, layers) {
      if (st != NQ_OK) break;
      const char *name = kr_layer_name(e), *cls = kr_class(e);
      const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(e, "inbound_nodes");
      int k = cJSON_IsArray(nodes) ? cJSON_GetArraySize(nodes) : 0;
      if (k > 1000) k = 1000;
      if (!name || !cls) {
        st = nq_fail(err, NQ_ERR_FORMAT, "%s: a layer entry has no name or class_name", c->path);
        break;
      }
      if (k == 0) { /* InputLayer (or an unused layer) */
        slot++;
        continue;
      }
      for (int j = 0; j < k && st == NQ_OK; j++, slot++) {
        if (done_flags[slot]) continue;
        tref refs[KR_MAX_LAYER_IO];
        int nr = 0;
        if (!collect_refs(cJSON_GetArrayItem(nodes, j), refs, &nr, 0) || nr == 0) {
          st = nq_fail(err, NQ_ERR_FORMAT, "%s: layer '%s' (%s): malformed inbound node %d", c->path, name,
                       cls, j);
          break;
        }
        int tin[KR_MAX_LAYER_IO];
        bool ready = true;
        for (int r = 0; r < nr && ready; r++)
          ready = (tin[r] = tmap_get(&m, refs[r].layer, refs[r].node, refs[r].index)) >= 0;
        if (!ready) continue;
        char out_name[600];
        if (j == 0)
          snprintf(out_name, sizeof out_name, "%s", name);
        else
          snprintf(out_name, sizeof out_name, "%s_%d", name, j);
        int tout[KR_MAX_LAYER_IO], nout = 0;
        st = call_layer(c, e, scope, out_name, nr, tin, tout, &nout, err);
        for (int o = 0; st == NQ_OK && o < nout; o++) st = tmap_put(&m, name, j, o, tout[o], err);
        done_flags[slot] = 1;
        progress = true;
      }
    }
  }
  /* outputs */
  if (st == NQ_OK && no > max_out) st = nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: too many outputs", c->path);
  for (int i = 0; st == NQ_OK && i < no; i++) {
    out[i] = tmap_get(&m, outs[i].layer, outs[i].node, outs[i].index);
    if (out[i] < 0)
      st = nq_fail(err, NQ_ERR_FORMAT,
                   "%s: output '%s' (node %d, tensor %d) is never computed (missing or cyclic inputs)",
                   c->path, outs[i].layer, outs[i].node, outs[i].index);
  }
  if (st == NQ_OK) *n_out = no;
  free(done_flags);
  free(m.e);
  return st;
}

static nq_status build_sequential(kr_ctx *c, const cJSON *cfg, const kr_scope *scope, int n_in, const int *in,
                                  int *out, int *n_out, nq_error *err) {
  const cJSON *layers = cJSON_IsArray(cfg) ? cfg : cJSON_GetObjectItemCaseSensitive(cfg, "layers");
  if (!cJSON_IsArray(layers) || cJSON_GetArraySize(layers) == 0)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: Sequential model has no layers", c->path);
  if (cJSON_GetArraySize(layers) > KR_MAX_LAYERS)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: too many layers", c->path);
  if (n_in > 1)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: Sequential model called with %d inputs", c->path, n_in);
  int x = n_in == 1 ? in[0] : -1;
  const cJSON *e;
  cJSON_ArrayForEach(e, layers) {
    const char *cls = kr_class(e), *name = kr_layer_name(e);
    if (!cls || !name)
      return nq_fail(err, NQ_ERR_FORMAT, "%s: a layer entry has no name or class_name", c->path);
    if (strcmp(cls, "InputLayer") == 0) {
      if (x < 0) NQ_TRY(make_input(c, kr_cfg(e), name, &x, err));
      continue;
    }
    if (x < 0) {
      /* Keras 2.0-2.x: the first layer carries batch_input_shape */
      char iname[600];
      snprintf(iname, sizeof iname, "%s_input", name);
      /* Keras 3 Sequential built with build(): the shape is the model's */
      const cJSON *shape_cfg =
          kr_input_shape(kr_cfg(e), (int32_t[NQ_MAX_RANK]){0}) == 0 && cJSON_IsObject(cfg) ? cfg : kr_cfg(e);
      NQ_TRY(make_input(c, shape_cfg, iname, &x, err));
    }
    int tout[KR_MAX_LAYER_IO], nout = 0;
    NQ_TRY(call_layer(c, e, scope, name, 1, &x, tout, &nout, err));
    if (nout != 1)
      return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: layer '%s' (%s) in a Sequential model gives %d outputs",
                     c->path, name, cls, nout);
    x = tout[0];
  }
  if (x < 0) return nq_fail(err, NQ_ERR_FORMAT, "%s: Sequential model has no input shape", c->path);
  out[0] = x;
  *n_out = 1;
  return NQ_OK;
}

nq_status kr_build_model(kr_ctx *c, const cJSON *model, const kr_scope *scope, int n_in, const int *in,
                         int *out, int *n_out, int max_out, nq_error *err) {
  const char *cls = kr_class(model);
  const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(model, "config");
  if (!cls || !cfg) return nq_fail(err, NQ_ERR_FORMAT, "%s: model config has no class_name/config", c->path);
  if (strcmp(cls, "Sequential") == 0) return build_sequential(c, cfg, scope, n_in, in, out, n_out, err);
  if (strcmp(cls, "Model") == 0 || strcmp(cls, "Functional") == 0)
    return build_functional(c, cfg, scope, n_in, in, out, n_out, max_out, err);
  return nq_fail(err, NQ_ERR_UNSUPPORTED,
                 "%s: model class '%s' is not supported (subclassed models have no layer graph; save a "
                 "Functional or Sequential model)",
                 c->path, cls);
}
