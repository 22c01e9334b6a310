/* The execution engine (see engine.h): plan at creation, run in node order. */
#include "exec/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/budget.h"
#include "core/checked.h"
#include "core/cpu_features.h"
#include "core/status.h"
#include "exec/float/fast.h"
#include "exec/float/ref.h"
#include "exec/int8/int8.h"
#include "exec/threadpool.h"
#include "ir/shape.h"

#define NQ_ALIGN 64

static unsigned char g_empty[NQ_ALIGN]; /* data pointer for zero-sized tensors */

static void *alloc_aligned(size_t n) {
  size_t r = (n + NQ_ALIGN - 1) & ~(size_t)(NQ_ALIGN - 1);
  if (r == 0) r = NQ_ALIGN;
  void *p = aligned_alloc(NQ_ALIGN, r);
  if (p) memset(p, 0, r);
  return p;
}

static bool is_qtype(nq_dtype t) { return t == NQ_INT8 || t == NQ_UINT8 || t == NQ_INT16; }

/* Sizes, homes and lifetimes of every tensor. */
static nq_status classify(nq_session *s, nq_error *err) {
  const nq_graph *g = s->g;
  char tb[96];
  for (int t = 0; t < g->n_tensors; t++) {
    const nq_tensor *x = &g->tensors[t];
    size_t elems, bytes;
    if (!nq_shape_elems(x->shape, x->rank, NQ_MAX_TENSOR_ELEMS, &elems) ||
        !nq_mul_size(elems, nq_dtype_size(x->type), &bytes))
      /* A shape error, not a lack of memory: no allocation was tried. */
      return nq_fail(err, NQ_ERR_SHAPE, "tensor %s: shape is negative or has more than 2^31 elements",
                     nq_tensor_label(g, t, tb, sizeof tb));
    s->nbytes[t] = bytes;
    s->home[t] = x->data ? NQ_HOME_CONST : NQ_HOME_NONE;
    s->plan[t].first = s->plan[t].last = -1;
    s->plan[t].size = 0;
  }
  for (int i = 0; i < g->n_inputs; i++)
    if (s->home[g->inputs[i]] != NQ_HOME_CONST) s->home[g->inputs[i]] = NQ_HOME_IO;
  for (int i = 0; i < g->n_outputs; i++)
    if (s->home[g->outputs[i]] != NQ_HOME_CONST) s->home[g->outputs[i]] = NQ_HOME_IO;
  for (int n = 0; n < g->n_nodes; n++) {
    const nq_node *nd = &g->nodes[n];
    for (int k = 0; k < nd->n_out; k++) {
      int t = nd->out[k];
      if (s->home[t] == NQ_HOME_CONST) {
        char lb[192];
        return nq_fail(err, NQ_ERR_FORMAT, "%s: output %d, tensor %s, is a constant",
                       nq_node_label(g, n, lb, sizeof lb), k, nq_tensor_label(g, t, tb, sizeof tb));
      }
      if (s->home[t] == NQ_HOME_NONE) s->home[t] = NQ_HOME_ARENA;
      s->plan[t].first = n;
      s->plan[t].last = n;
    }
    for (int k = 0; k < nd->n_in; k++) {
      int t = nd->in[k];
      if (t < 0) continue;
      if (g->tensors[t].is_variable && s->home[t] != NQ_HOME_CONST) {
        char lb[192];
        return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: input %d, tensor %s, is a variable (stateful) tensor",
                       nq_node_label(g, n, lb, sizeof lb), k, nq_tensor_label(g, t, tb, sizeof tb));
      }
      if (n > s->plan[t].last) s->plan[t].last = n;
    }
  }
  return NQ_OK;
}

/* Place the arena tensors; with keep_all every tensor gets its own bytes. */
static nq_status plan_memory(nq_session *s, nq_error *err) {
  const nq_graph *g = s->g;
  s->activation_total = 0;
  for (int t = 0; t < g->n_tensors; t++) {
    bool arena = s->home[t] == NQ_HOME_ARENA;
    s->plan[t].size = arena ? s->nbytes[t] : 0;
    if (arena) s->activation_total += (s->nbytes[t] + NQ_ALIGN - 1) & ~(size_t)(NQ_ALIGN - 1);
  }
  nq_plan_item *items = s->plan;
  nq_plan_item *tmp = NULL;
  if (s->keep_all) { /* every tensor alive for the whole run: no reuse */
    tmp = malloc(sizeof *tmp * (size_t)(g->n_tensors > 0 ? g->n_tensors : 1));
    if (!tmp) return nq_fail(err, NQ_ERR_NOMEM, "out of memory planning");
    for (int t = 0; t < g->n_tensors; t++) {
      tmp[t] = s->plan[t];
      tmp[t].first = 0;
      tmp[t].last = g->n_nodes;
    }
    items = tmp;
  }
  size_t total;
  bool ok = nq_plan_arena(items, g->n_tensors, NQ_ALIGN, &total);
  if (tmp) {
    for (int t = 0; t < g->n_tensors; t++) s->plan[t].offset = tmp[t].offset;
    free(tmp);
  }
  if (!ok) return nq_fail(err, NQ_ERR_NOMEM, "activation memory plan overflows");
  free(s->arena);
  s->arena = NULL;
  nq_budget_give(s->arena_size);
  s->arena_size = 0;
  if (total) {
    char what[96];
    snprintf(what, sizeof what, "activation arena of %d tensors%s", g->n_tensors,
             s->keep_all ? " (all tensors kept)" : "");
    NQ_TRY(nq_budget_take(total, what, err));
    s->arena_size = total;
    s->arena = alloc_aligned(total);
    if (!s->arena) return nq_fail(err, NQ_ERR_NOMEM, "cannot allocate a %zu-byte activation arena", total);
  }
  /* Whether a tensor's bytes get reused is asked per tensor when a caller
   * reads one (nq_session_tensor_data); computing it for all here cost
   * O(tensors^2). */
  for (int t = 0; t < g->n_tensors; t++) s->clobbered[t] = 0;
  return NQ_OK;
}

static void *tensor_data(nq_session *s, int t) {
  const nq_tensor *x = &s->g->tensors[t];
  if (s->nbytes[t] == 0) return g_empty;
  switch (s->home[t]) {
    case NQ_HOME_CONST:
      return x->data;
    case NQ_HOME_IO:
      return s->io_buf[t];
    case NQ_HOME_ARENA:
      return s->arena + s->plan[t].offset;
    default:
      return NULL;
  }
}

static void make_view(nq_session *s, int t, nq_tview *v) {
  memset(v, 0, sizeof *v);
  if (t < 0) {
    v->type = NQ_FLOAT32;
    return;
  }
  const nq_tensor *x = &s->g->tensors[t];
  v->type = x->type;
  v->rank = x->rank;
  memcpy(v->shape, x->shape, sizeof v->shape);
  v->data = tensor_data(s, t);
  v->q = &x->q;
}

static void bind(nq_session *s) {
  for (int n = 0; n < s->g->n_nodes; n++) {
    const nq_node *nd = &s->g->nodes[n];
    for (int k = 0; k < nd->n_in; k++) make_view(s, nd->in[k], &s->node_in[n][k]);
    for (int k = 0; k < nd->n_out; k++) make_view(s, nd->out[k], &s->node_out[n][k]);
  }
}

/* Prefix the model's file to a message, unless the layer that wrote it
 * (verifier, shape inference) already named it: "a.tflite: a.tflite: ..."
 * says nothing more. */
static void prefix_source(const nq_graph *g, nq_error *err) {
  if (!g->source) return;
  size_t n = strlen(g->source);
  if (strncmp(err->msg, g->source, n) == 0 && err->msg[n] == ':') return;
  nq_prefix(err, "%s: ", g->source);
}

static nq_kernel_args node_args(const nq_session *s, int n) {
  const nq_node *nd = &s->g->nodes[n];
  nq_kernel_args a = {
      .graph = s->g,
      .node_index = n,
      .node = nd,
      .p = &nd->p,
      .n_in = nd->n_in,
      .in = s->node_in[n],
      .n_out = nd->n_out,
      .out = s->node_out[n],
      .scratch = s->scratch,
      .scratch_size = s->scratch_size,
      .pool = s->pool,
      .prepared = s->prepared ? s->prepared[n] : NULL,
      .single_rounding = s->opts.single_rounding,
  };
  return a;
}

static void release(const nq_kernel *k, void *prepared) {
  if (!prepared) return;
  if (k && k->release)
    k->release(prepared);
  else
    free(prepared);
}

/* Pick node n's kernel and run its prepare step. */
static nq_status choose_kernel(nq_session *s, int n, nq_error *err) {
  const nq_node *nd = &s->g->nodes[n];
  nq_kernel_args a = node_args(s, n);
  /* has_i16: any int16 operand; has_qi16: a quantized one (16x8 activations,
   * as opposed to raw int16 data such as CAST's). */
  bool has_q = false, has_f = false, has_i16 = false, has_qi16 = false;
  for (int k = 0; k < a.n_in; k++)
    if (a.in[k].data) {
      has_q |= is_qtype(a.in[k].type);
      has_f |= a.in[k].type == NQ_FLOAT32;
      has_i16 |= a.in[k].type == NQ_INT16;
      has_qi16 |= a.in[k].type == NQ_INT16 && a.in[k].q && a.in[k].q->n > 0;
    }
  for (int k = 0; k < a.n_out; k++) {
    has_q |= is_qtype(a.out[k].type);
    has_f |= a.out[k].type == NQ_FLOAT32;
    has_i16 |= a.out[k].type == NQ_INT16;
    has_qi16 |= a.out[k].type == NQ_INT16 && a.out[k].q && a.out[k].q->n > 0;
  }
  const nq_kernel *ref = &nq_float_kernels_ref[nd->op];
  const nq_kernel *chosen = NULL;
  char lb[192];
  if (has_q && !has_f && has_qi16 && !nq_op_runs_int16x8(nd->op))
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: int16 activations, but %s int16x8 kernel for %s",
                   nq_node_label(s->g, n, lb, sizeof lb),
                   nq_op_has_int16x8(nd->op) ? "npuquant has no (TFLite has one)" : "TFLite has no",
                   nq_op_name(nd->op));
  if (has_q && !has_f && nq_int8_kernels[nd->op].run) {
    /* int16 (16x8) nodes have a fast table of their own (the 8-bit fast
     * kernels assume 8-bit operands). */
    const nq_kernel *fast_tab = has_i16 ? nq_int16_kernels_fast : nq_int8_kernels_fast;
    const bool fast = !s->opts.reference_only && fast_tab[nd->op].run;
    chosen = fast ? &fast_tab[nd->op] : &nq_int8_kernels[nd->op];
    s->ksrc[n] = fast ? NQ_KSRC_INT8_FAST : NQ_KSRC_INT8;
  } else {
    /* The reference prepare checks the operand types even when a fast
     * kernel will run, so an unsupported type is reported here. */
    if (!ref->run)
      return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: no kernel for this op",
                     nq_node_label(s->g, n, lb, sizeof lb));
    if (ref->prepare) {
      void *tmp = NULL;
      nq_status st = ref->prepare(&a, &tmp, err);
      if (st != NQ_OK) {
        if (has_q && !has_f) nq_prefix(err, "no int8 kernel for %s; ", nq_op_name(nd->op));
        return st;
      }
      release(ref, tmp);
    }
    const nq_kernel *fast = &nq_float_kernels_fast[nd->op];
    if (!s->opts.reference_only && fast->run && !(has_q && !has_f)) {
      chosen = fast;
      s->ksrc[n] = NQ_KSRC_FAST;
    } else {
      chosen = ref;
      s->ksrc[n] = NQ_KSRC_REF;
    }
  }
  s->kern[n] = chosen;
  if (chosen->prepare) NQ_TRY(chosen->prepare(&a, &s->prepared[n], err));
  return NQ_OK;
}

static nq_status alloc_arrays(nq_session *s, nq_error *err) {
  const nq_graph *g = s->g;
  size_t nt = (size_t)(g->n_tensors > 0 ? g->n_tensors : 1), nn = (size_t)(g->n_nodes > 0 ? g->n_nodes : 1);
  s->kern = calloc(nn, sizeof *s->kern);
  s->ksrc = calloc(nn, sizeof *s->ksrc);
  s->prepared = calloc(nn, sizeof *s->prepared);
  s->node_in = calloc(nn, sizeof *s->node_in);
  s->node_out = calloc(nn, sizeof *s->node_out);
  s->home = calloc(nt, sizeof *s->home);
  s->plan = calloc(nt, sizeof *s->plan);
  s->nbytes = calloc(nt, sizeof *s->nbytes);
  s->io_buf = calloc(nt, sizeof *s->io_buf);
  s->clobbered = calloc(nt, sizeof *s->clobbered);
  if (!s->kern || !s->ksrc || !s->prepared || !s->node_in || !s->node_out || !s->home || !s->plan ||
      !s->nbytes || !s->io_buf || !s->clobbered)
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory creating a session");
  for (int n = 0; n < g->n_nodes; n++) {
    s->node_in[n] = calloc((size_t)g->nodes[n].n_in + 1, sizeof(nq_tview));
    s->node_out[n] = calloc((size_t)g->nodes[n].n_out + 1, sizeof(nq_tview));
    if (!s->node_in[n] || !s->node_out[n])
      return nq_fail(err, NQ_ERR_NOMEM, "out of memory creating a session");
  }
  return NQ_OK;
}

static nq_status create(nq_session *s, nq_error *err) {
  const nq_graph *g = s->g;
  NQ_TRY(nq_graph_verify(g, err));
  /* The stored shapes drive every kernel: they must be what the ops imply. */
  NQ_TRY(nq_graph_infer_shapes((nq_graph *)g, false, err));
  NQ_TRY(alloc_arrays(s, err));
  NQ_TRY(classify(s, err));
  for (int t = 0; t < g->n_tensors; t++)
    if (s->home[t] == NQ_HOME_IO) {
      s->io_buf[t] = alloc_aligned(s->nbytes[t]);
      if (!s->io_buf[t])
        return nq_fail(err, NQ_ERR_NOMEM, "cannot allocate %zu bytes for a model input/output", s->nbytes[t]);
    }
  NQ_TRY(plan_memory(s, err));
  bind(s);
  /* Before prepare and scratch sizing: kernels size per-thread scratch by
   * the pool they will run on. NULL (creation failed) runs single-threaded. */
  s->pool = nq_threadpool_create(s->opts.num_threads);
  for (int n = 0; n < g->n_nodes; n++) NQ_TRY(choose_kernel(s, n, err));
  size_t scratch = 0;
  for (int n = 0; n < g->n_nodes; n++) {
    if (!s->kern[n]->scratch) continue;
    nq_kernel_args a = node_args(s, n);
    size_t need = s->kern[n]->scratch(&a);
    if (need > scratch) scratch = need;
  }
  if (scratch) {
    s->scratch = alloc_aligned(scratch);
    if (!s->scratch)
      return nq_fail(err, NQ_ERR_NOMEM, "cannot allocate %zu bytes of kernel scratch", scratch);
    s->scratch_size = scratch;
  }
  return NQ_OK;
}

nq_status nq_engine_create(const nq_graph *g, const nq_session_options *opts, nq_session **out,
                           nq_error *err) {
  *out = NULL;
  nq_session *s = calloc(1, sizeof *s);
  if (!s) return nq_fail(err, NQ_ERR_NOMEM, "out of memory creating a session");
  s->g = g;
  if (opts) s->opts = *opts;
  if (s->opts.num_threads < 0 || s->opts.num_threads > NQ_MAX_THREADS) {
    free(s);
    return nq_fail(err, NQ_ERR_INVALID_ARG, "num_threads is %d: 0 (one per core) to %d expected",
                   opts->num_threads, NQ_MAX_THREADS);
  }
  nq_kernels use;
  nq_status st = nq_cpu_resolve((nq_kernels)s->opts.kernels, &use, err);
  if (st != NQ_OK) {
    free(s);
    return st;
  }
  s->opts.kernels = (int)use; /* prepare steps may pick a code path too */
  nq_kernels previous = nq_cpu_enter(use);
  st = create(s, err);
  nq_cpu_leave(previous);
  if (st != NQ_OK) {
    prefix_source(g, err);
    nq_engine_free(s);
    return st;
  }
  *out = s;
  return NQ_OK;
}

void nq_engine_free(nq_session *s) {
  if (!s) return;
  const nq_graph *g = s->g;
  for (int n = 0; n < g->n_nodes; n++) {
    if (s->prepared && s->prepared[n]) release(s->kern ? s->kern[n] : NULL, s->prepared[n]);
    if (s->node_in) free(s->node_in[n]);
    if (s->node_out) free(s->node_out[n]);
  }
  if (s->io_buf)
    for (int t = 0; t < g->n_tensors; t++) free(s->io_buf[t]);
  nq_threadpool_free(s->pool);
  free(s->kern);
  free(s->ksrc);
  free(s->prepared);
  free(s->node_in);
  free(s->node_out);
  free(s->home);
  free(s->plan);
  free(s->nbytes);
  free(s->io_buf);
  free(s->clobbered);
  free(s->arena);
  nq_budget_give(s->arena_size);
  free(s->scratch);
  free(s->node_ms);
  free(s);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

nq_status nq_engine_run(nq_session *s, nq_error *err) { return nq_engine_run_prefix(s, s->g->n_nodes, err); }

nq_status nq_engine_run_prefix(nq_session *s, int n_nodes, nq_error *err) {
  if (n_nodes < 0 || n_nodes > s->g->n_nodes)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "run of %d nodes asked, the graph has %d", n_nodes,
                   s->g->n_nodes);
  nq_kernels previous = nq_cpu_enter((nq_kernels)s->opts.kernels);
  nq_status st = NQ_OK;
  double t0 = s->node_ms ? now_ms() : 0.0;
  for (int n = 0; st == NQ_OK && n < n_nodes; n++) {
    nq_kernel_args a = node_args(s, n);
    st = s->kern[n]->run(&a, err);
    if (st != NQ_OK) {
      prefix_source(s->g, err);
    } else if (s->node_ms) { /* each node's time ends where the next one's starts: no gap unaccounted */
      double t1 = now_ms();
      s->node_ms[n] += t1 - t0;
      t0 = t1;
    }
  }
  nq_cpu_leave(previous);
  if (st != NQ_OK) return st;
  if (s->node_ms) s->profile_runs++;
  s->has_run = true;
  return NQ_OK;
}

nq_kernels nq_session_kernels(const nq_session *s) {
  return s ? (nq_kernels)s->opts.kernels : NQ_KERNELS_AUTO;
}

nq_status nq_engine_profile(nq_session *s, bool on, nq_error *err) {
  free(s->node_ms);
  s->node_ms = NULL;
  s->profile_runs = 0;
  if (!on || s->g->n_nodes == 0) return NQ_OK;
  s->node_ms = calloc((size_t)s->g->n_nodes, sizeof *s->node_ms);
  if (!s->node_ms)
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the timings of %d nodes", s->g->n_nodes);
  return NQ_OK;
}

nq_status nq_engine_keep_all(nq_session *s, nq_error *err) {
  if (s->keep_all) return NQ_OK;
  s->keep_all = true;
  NQ_TRY(plan_memory(s, err));
  bind(s);
  s->has_run = false;
  return NQ_OK;
}

size_t nq_session_arena_bytes(const nq_session *s) { return s->arena_size; }
size_t nq_session_activation_bytes(const nq_session *s) { return s->activation_total; }

const char *nq_session_kernel_source(const nq_session *s, int n) {
  if (n < 0 || n >= s->g->n_nodes) return "?";
  switch (s->ksrc[n]) {
    case NQ_KSRC_FAST:
      return "fast";
    case NQ_KSRC_INT8:
      return "int8";
    case NQ_KSRC_INT8_FAST:
      return "int8-fast";
    default:
      return "ref";
  }
}
