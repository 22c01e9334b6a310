/*
 * Fuse a chain of elementwise float ops of one tensor x into the one TFLite
 * op that computes the same function of x:
 *   x * relu6(x + 3) / 6 (any association, DIV by 6 or MUL by 1/6, clip
 *     written as RELU6, a fused RELU6 or MINIMUM/MAXIMUM, x * hard_sigmoid(x))
 *                                             -> HARD_SWISH(x)
 *   0.5 * x * (1 + erf(x / sqrt 2))  (torch's nn.GELU() export, TF's
 *     tf.nn.gelu; ERF exists in the IR only for this)
 *                                             -> GELU(x, approximate = false)
 *   0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))   (any association)
 *                                             -> GELU(x, approximate = true)
 * One op quantizes far better than four to eight (each int8 step rounds),
 * and HARD_SWISH / GELU have exact int8 kernels in TFLite.
 *
 * Rather than one hand-written matcher per spelling (exporters and frontends
 * each spell these differently), the pass finds the elementwise "cone" that
 * ends at a MUL: the nodes between one runtime tensor x and the MUL, whose
 * other operands are scalar constants and whose intermediate results nobody
 * else reads. It evaluates the cone at PROBES values of x (in double, with the
 * graph's float constants) and compares with each target function; a cone
 * that agrees everywhere (relative 2e-5, which tells the tanh GELU from the
 * erf one: they differ by up to 2e-4) is replaced by the target op. The
 * probes cover the kinks of relu6 (-3 and 3) and the saturated tails.
 * Only ops whose float semantics are plain (evaluated below) may be in a cone.
 */
#include <math.h>
#include <stdlib.h>

#include "passes/pass_util.h"

#define CONE_MAX 16 /* nodes in one cone; the longest target spelling has 9 */
#define PROBES 441  /* -11 .. 11 in steps of 0.05 */

typedef struct cone {
  int node[CONE_MAX]; /* node indices, ascending (the graph is in topological order) */
  int n;
  int x;
} cone;

static bool evaluable(const nq_node *node) {
  switch (node->op) {
    case NQ_OP_ADD:
    case NQ_OP_SUB:
    case NQ_OP_MUL:
    case NQ_OP_DIV:
      return node->n_in == 2 && (node->p.act == NQ_ACT_NONE || node->p.act == NQ_ACT_RELU ||
                                 node->p.act == NQ_ACT_RELU6 || node->p.act == NQ_ACT_RELU_N1_TO_1);
    case NQ_OP_MAXIMUM:
    case NQ_OP_MINIMUM:
    case NQ_OP_POW:
      return node->n_in == 2;
    case NQ_OP_RELU:
    case NQ_OP_RELU6:
    case NQ_OP_RELU_N1_TO_1:
    case NQ_OP_TANH:
    case NQ_OP_LOGISTIC:
    case NQ_OP_SQUARE:
    case NQ_OP_NEG:
    case NQ_OP_ERF:
    case NQ_OP_ABS:
      return node->n_in == 1;
    default:
      return false;
  }
}

static double act(nq_activation a, double v) {
  switch (a) {
    case NQ_ACT_RELU:
      return v > 0 ? v : 0;
    case NQ_ACT_RELU6:
      return v < 0 ? 0 : v > 6 ? 6 : v;
    case NQ_ACT_RELU_N1_TO_1:
      return v < -1 ? -1 : v > 1 ? 1 : v;
    default:
      return v;
  }
}

static double eval_op(const nq_node *node, double a, double b) {
  switch (node->op) {
    case NQ_OP_ADD:
      return act(node->p.act, a + b);
    case NQ_OP_SUB:
      return act(node->p.act, a - b);
    case NQ_OP_MUL:
      return act(node->p.act, a * b);
    case NQ_OP_DIV:
      return act(node->p.act, a / b);
    case NQ_OP_MAXIMUM:
      return a > b ? a : b;
    case NQ_OP_MINIMUM:
      return a < b ? a : b;
    case NQ_OP_POW:
      return pow(a, b);
    case NQ_OP_RELU:
      return act(NQ_ACT_RELU, a);
    case NQ_OP_RELU6:
      return act(NQ_ACT_RELU6, a);
    case NQ_OP_RELU_N1_TO_1:
      return act(NQ_ACT_RELU_N1_TO_1, a);
    case NQ_OP_TANH:
      return tanh(a);
    case NQ_OP_LOGISTIC:
      return 1.0 / (1.0 + exp(-a));
    case NQ_OP_SQUARE:
      return a * a;
    case NQ_OP_NEG:
      return -a;
    case NQ_OP_ABS:
      return fabs(a);
    case NQ_OP_ERF:
      return erf(a);
    default:
      return NAN;
  }
}

static bool same_shape(const nq_tensor *a, const nq_tensor *b) {
  if (a->rank != b->rank) return false;
  for (int d = 0; d < a->rank; d++)
    if (a->shape[d] != b->shape[d]) return false;
  return true;
}

static bool is_scalar_const(const nq_graph *g, int t) {
  return nq_pass_is_const_f32(g, t) && nq_tensor_elems(&g->tensors[t]) == 1 &&
         g->tensors[t].nbytes >= sizeof(float);
}

static bool in_cone(const cone *c, int n) {
  for (int i = 0; i < c->n; i++)
    if (c->node[i] == n) return true;
  return false;
}

/* Add to c the nodes computing t from c->x; false when t depends on anything
 * but x and scalar constants, through anything but evaluable nodes. */
static bool close_over(const nq_graph *g, cone *c, int t, int depth) {
  if (t == c->x || is_scalar_const(g, t)) return true;
  if (depth > CONE_MAX || t < 0 || nq_pass_is_output(g, t)) return false;
  const nq_tensor *tt = &g->tensors[t];
  if (tt->type != NQ_FLOAT32 || tt->q.n != 0 || tt->data || !same_shape(tt, &g->tensors[c->x])) return false;
  int p = nq_pass_producer(g, t);
  if (p < 0 || g->nodes[p].n_out != 1 || !evaluable(&g->nodes[p])) return false;
  if (in_cone(c, p)) return true;
  if (c->n == CONE_MAX) return false;
  c->node[c->n++] = p;
  for (int i = 0; i < g->nodes[p].n_in; i++)
    if (!close_over(g, c, g->nodes[p].in[i], depth + 1)) return false;
  return true;
}

static int cmp_int(const void *a, const void *b) {
  return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

/* Every intermediate result is read only inside the cone (the fused op
 * replaces all of them). */
static bool self_contained(const nq_graph *g, const cone *c, int root) {
  for (int i = 0; i < c->n; i++) {
    int n = c->node[i];
    if (n == root) continue;
    int t = g->nodes[n].out[0], inside = 0;
    for (int j = 0; j < c->n; j++) {
      const nq_node *r = &g->nodes[c->node[j]];
      for (int k = 0; k < r->n_in; k++) inside += r->in[k] == t;
    }
    if (inside != nq_pass_consumers(g, t)) return false;
  }
  return true;
}

/* The cone's value at x = v (nodes ascending, so operands come first). */
static double eval_cone(const nq_graph *g, const cone *c, double v) {
  double val[CONE_MAX];
  for (int i = 0; i < c->n; i++) {
    const nq_node *node = &g->nodes[c->node[i]];
    double arg[2] = {0, 0};
    for (int k = 0; k < node->n_in && k < 2; k++) {
      int t = node->in[k];
      if (t == c->x) {
        arg[k] = v;
        continue;
      }
      if (is_scalar_const(g, t)) {
        arg[k] = ((const float *)g->tensors[t].data)[0];
        continue;
      }
      for (int j = 0; j < i; j++)
        if (g->nodes[c->node[j]].out[0] == t) arg[k] = val[j];
    }
    val[i] = eval_op(node, arg[0], arg[1]);
  }
  return val[c->n - 1];
}

typedef struct target {
  nq_op op;
  bool approximate;
  double (*f)(double);
} target;

static double hard_swish(double x) { return x * act(NQ_ACT_RELU6, x + 3.0) / 6.0; }
static double gelu_erf(double x) { return 0.5 * x * (1.0 + erf(x * 0.7071067811865476)); }
static double gelu_tanh(double x) {
  return 0.5 * x * (1.0 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}

static const target targets[] = {
    {NQ_OP_HARD_SWISH, false, hard_swish},
    {NQ_OP_GELU, false, gelu_erf},
    {NQ_OP_GELU, true, gelu_tanh},
};

static bool matches(const nq_graph *g, const cone *c, const target *tg) {
  for (int i = 0; i < PROBES; i++) {
    /* Visit the probes coarse to fine so a mismatch shows early. */
    int k = (i * 97) % PROBES;
    double x = -11.0 + 0.05 * k, want = tg->f(x), got = eval_cone(g, c, x);
    if (!(fabs(got - want) <= 2e-5 * fmax(1.0, fabs(want)))) return false;
  }
  return true;
}

/* An op without which no target can be computed: relu6 in some form for
 * hard-swish, TANH or ERF for GELU. A cone without one is not evaluated
 * (most MULs in a network: scaling, SiLU, attention). */
static bool signature_op(const nq_node *node) {
  switch (node->op) {
    case NQ_OP_RELU6:
    case NQ_OP_MINIMUM:
    case NQ_OP_TANH:
    case NQ_OP_ERF:
      return true;
    default:
      return node->p.act == NQ_ACT_RELU6;
  }
}

/* Try every runtime tensor the root reaches as x; first cone that matches wins. */
static bool try_root(nq_graph *g, int root) {
  const nq_tensor *out = &g->tensors[g->nodes[root].out[0]];
  if (out->type != NQ_FLOAT32 || out->q.n != 0) return false;
  int cand[CONE_MAX * 2], n_cand = 0, stack[CONE_MAX * 2], sp = 0, seen = 0;
  bool signature = false;
  stack[sp++] = root;
  while (sp > 0 && seen < CONE_MAX) {
    const nq_node *node = &g->nodes[stack[--sp]];
    seen++;
    signature |= signature_op(node);
    for (int i = 0; i < node->n_in && n_cand < CONE_MAX * 2; i++) {
      int t = node->in[i];
      if (t < 0 || g->tensors[t].data) continue;
      bool dup = false;
      for (int j = 0; j < n_cand; j++) dup |= cand[j] == t;
      if (dup) continue;
      cand[n_cand++] = t;
      int p = nq_pass_producer(g, t);
      if (p >= 0 && evaluable(&g->nodes[p]) && g->nodes[p].n_out == 1 && sp < CONE_MAX * 2) stack[sp++] = p;
    }
  }
  if (!signature) return false;
  for (int i = 0; i < n_cand; i++) {
    cone c = {.n = 0, .x = cand[i]};
    const nq_tensor *xt = &g->tensors[c.x];
    if (xt->type != NQ_FLOAT32 || xt->q.n != 0 || !same_shape(xt, out)) continue;
    c.node[c.n++] = root;
    const nq_node *r = &g->nodes[root];
    bool ok = true;
    for (int k = 0; k < r->n_in && ok; k++) ok = close_over(g, &c, r->in[k], 1);
    if (!ok || c.n < 2 || !self_contained(g, &c, root)) continue;
    qsort(c.node, (size_t)c.n, sizeof c.node[0], cmp_int);
    if (c.node[c.n - 1] != root) continue;
    for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
      if (!matches(g, &c, &targets[t])) continue;
      nq_node *node = &g->nodes[root];
      node->op = targets[t].op;
      node->in[0] = c.x;
      node->n_in = 1;
      node->p = nq_op_params_default();
      node->p.approximate = targets[t].approximate;
      return true; /* the rest of the cone is now unread: dead_code drops it */
    }
  }
  return false;
}

nq_status nq_pass_fuse_unary(nq_graph *g, bool *changed, nq_error *err) {
  (void)err;
  for (int n = 0; n < g->n_nodes; n++) {
    const nq_node *node = &g->nodes[n];
    if (node->op != NQ_OP_MUL || node->n_in != 2 || node->n_out != 1 || !evaluable(node)) continue;
    if (try_root(g, n)) *changed = true;
  }
  return NQ_OK;
}
