#include "quant/split_outputs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/metadata.h"
#include "passes/pass_util.h"

/* A RESHAPE-like op or a TRANSPOSE with a constant permutation: moves
 * values, computes nothing, so the parts can be put back exactly. */
typedef struct move {
  bool transpose;
  int rank;
  int32_t dims[NQ_MAX_RANK]; /* RESHAPE: the shape after it; TRANSPOSE: perm */
} move;

/* The most data moves followed from a concatenation to an output. */
#define MAX_MOVES 8

typedef struct chain {
  int concat;  /* node index */
  int n_moves; /* in execution order, concat -> output */
  move moves[MAX_MOVES];
  const char *why; /* not split: why (a constant string) */
} chain;

/* Node inputs reading t, plus model outputs (and signature outputs) naming it. */
static int readers(const nq_graph *g, int t) {
  int n = 0;
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_in; k++) n += g->nodes[i].in[k] == t;
  for (int i = 0; i < g->n_outputs; i++) n += g->outputs[i] == t;
  return n;
}

/* Every dimension known and positive: the record stores shapes, and
 * compare checks them against the models. */
static bool shape_known(const nq_tensor *x) {
  if (x->rank < 1 || x->rank > NQ_MAX_RANK) return false;
  for (int d = 0; d < x->rank; d++)
    if (x->shape[d] < 1) return false;
  return true;
}

static bool is_reshape_like(nq_op op) {
  return op == NQ_OP_RESHAPE || op == NQ_OP_SQUEEZE || op == NQ_OP_EXPAND_DIMS;
}

/* Follow output tensor t back through data moves to a concatenation;
 * false (why in *why) when it is not one nq_split_outputs can split. */
static bool find_chain(const nq_graph *g, int t, chain *c, const char **why) {
  *why = "it is not produced by a CONCATENATION (through RESHAPE/TRANSPOSE)";
  if (t < 0 || t >= g->n_tensors || readers(g, t) != 1) {
    *why = "it is also read inside the model or listed twice";
    return false;
  }
  move rev[MAX_MOVES];
  int n = 0, out_t = t;
  for (;;) {
    int p = nq_graph_producer(g, t);
    if (p < 0) return false;
    const nq_node *nd = &g->nodes[p];
    if (nd->op == NQ_OP_CONCATENATION && nd->n_out == 1) {
      c->concat = p;
      break;
    }
    bool reshape = is_reshape_like(nd->op), transpose = nd->op == NQ_OP_TRANSPOSE;
    if ((!reshape && !transpose) || n == MAX_MOVES || nd->n_in < 1 || nd->n_out != 1 || nd->in[0] < 0)
      return false;
    const nq_tensor *x = &g->tensors[nd->out[0]];
    move m = {.transpose = transpose, .rank = x->rank};
    if (!shape_known(x)) {
      *why = "a shape on the way is not known";
      return false;
    }
    if (transpose) {
      int64_t perm[NQ_MAX_RANK];
      if (nd->n_in < 2 || !nq_pass_const_ints(g, nd->in[1], x->rank, perm)) return false;
      for (int d = 0; d < x->rank; d++) {
        if (perm[d] < 0) perm[d] += x->rank;
        if (perm[d] < 0 || perm[d] >= x->rank) return false;
        m.dims[d] = (int32_t)perm[d];
      }
    } else {
      memcpy(m.dims, x->shape, sizeof(int32_t) * (size_t)x->rank);
    }
    rev[n++] = m;
    t = nd->in[0];
    /* an intermediate tensor read elsewhere keeps the chain (and the
     * concatenation's one scale) alive */
    if (readers(g, t) != 1) {
      *why = "the concatenation's result is also read inside the model";
      return false;
    }
  }
  c->n_moves = n;
  for (int k = 0; k < n; k++) c->moves[k] = rev[n - 1 - k];
  /* The parts: distinct activations computed by the model (a constant or a
   * model input is no int8 output of its own). */
  const nq_node *cat = &g->nodes[c->concat];
  const nq_tensor *co = &g->tensors[cat->out[0]];
  if (cat->n_in < 2) {
    *why = "its CONCATENATION has fewer than two inputs";
    return false;
  }
  if (!shape_known(co) || !shape_known(&g->tensors[out_t])) {
    *why = "a shape on the way is not known";
    return false;
  }
  for (int k = 0; k < cat->n_in; k++) {
    int p = cat->in[k];
    if (p < 0 || g->tensors[p].data || g->tensors[p].type != NQ_FLOAT32 || nq_graph_producer(g, p) < 0) {
      *why = "a part is a constant, a model input or not float32";
      return false;
    }
    if (g->tensors[p].rank != co->rank || !shape_known(&g->tensors[p])) {
      *why = "a part's shape is not known or its rank differs from the concatenation's";
      return false;
    }
    for (int j = 0; j < g->n_outputs; j++)
      if (g->outputs[j] == p) {
        *why = "a part is already a model output";
        return false;
      }
    for (int j = 0; j < k; j++)
      if (cat->in[j] == p) {
        *why = "a part is concatenated twice";
        return false;
      }
  }
  return true;
}

bool nq_split_concat_is_output(const nq_graph *g, int i) {
  if (i < 0 || i >= g->n_nodes || g->nodes[i].op != NQ_OP_CONCATENATION) return false;
  for (int j = 0; j < g->n_outputs; j++) {
    chain c;
    const char *why;
    if (find_chain(g, g->outputs[j], &c, &why) && c.concat == i) return true;
  }
  return false;
}

/* Text appended to a growing buffer; false on overflow. */
typedef struct text {
  char *s;
  size_t len, cap;
} text;

static bool add(text *b, const char *fmt, ...) NQ_PRINTF(2, 3);
static bool add(text *b, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) return false;
    if (b->s && b->len + (size_t)n < b->cap) {
      b->len += (size_t)n;
      return true;
    }
    size_t cap = (b->cap ? b->cap * 2 : 256) + (size_t)n;
    char *s = realloc(b->s, cap);
    if (!s) return false;
    b->s = s;
    b->cap = cap;
  }
}

static bool add_shape(text *b, int rank, const int32_t *dims) {
  bool ok = add(b, " %d", rank);
  for (int d = 0; d < rank && ok; d++) ok = add(b, " %d", (int)dims[d]);
  return ok;
}

static bool add_brief_shape(text *b, const nq_tensor *x) {
  bool ok = add(b, " [");
  for (int d = 0; d < x->rank && ok; d++) ok = add(b, "%s%d", d ? "," : "", (int)x->shape[d]);
  return ok && add(b, "]");
}

static const nq_metadata *find_record(const nq_graph *g) {
  return nq_graph_find_metadata(g, NQ_SPLIT_RECORD_KEY);
}

static nq_status set_record(nq_graph *g, text *rec, nq_error *err) {
  if (find_record(g))
    return nq_fail(err, NQ_ERR_INVALID_ARG, "the model's outputs were split already (it has %s metadata)",
                   NQ_SPLIT_RECORD_KEY);
  uint8_t *data = (uint8_t *)rec->s;
  rec->s = NULL; /* the graph's (or freed) from here on */
  return nq_graph_set_metadata(g, NQ_SPLIT_RECORD_KEY, data, rec->len, err);
}

nq_status nq_split_record_copy(const nq_graph *from, nq_graph *to, nq_error *err) {
  const nq_metadata *r = find_record(from);
  if (!r) return NQ_OK;
  text copy = {malloc(r->size + 1), r->size, r->size + 1};
  if (!copy.s) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the %s metadata", NQ_SPLIT_RECORD_KEY);
  memcpy(copy.s, r->data, r->size);
  nq_status st = set_record(to, &copy, err);
  free(copy.s);
  return st;
}

/* "<name>:part<k>": the part's new name, as the output it replaces is called. */
static char *part_name(const char *base, int k) {
  size_t n = strlen(base) + 16;
  char *s = malloc(n);
  if (s) snprintf(s, n, "%s:part%d", base, k);
  return s;
}

/* Signature outputs naming the split tensor become one entry per part. */
static nq_status split_signatures(nq_graph *g, int t, const nq_node *cat, nq_error *err) {
  for (int s = 0; s < g->n_signatures; s++) {
    nq_signature *sg = &g->signatures[s];
    for (int e = 0; e < sg->n_out; e++) {
      if (sg->out[e].tensor != t) continue;
      int n = cat->n_in;
      nq_sig_entry *ne = calloc((size_t)(sg->n_out + n - 1), sizeof *ne);
      if (!ne) return nq_fail(err, NQ_ERR_NOMEM, "out of memory splitting a signature output");
      memcpy(ne, sg->out, sizeof *ne * (size_t)e);
      for (int k = 0; k < n; k++)
        ne[e + k] = (nq_sig_entry){part_name(sg->out[e].name ? sg->out[e].name : "output", k), cat->in[k]};
      memcpy(ne + e + n, sg->out + e + 1, sizeof *ne * (size_t)(sg->n_out - e - 1));
      bool ok = true;
      for (int k = 0; k < n; k++) ok = ok && ne[e + k].name;
      free(sg->out[e].name);
      free(sg->out);
      sg->out = ne;
      sg->n_out += n - 1;
      e += n - 1;
      if (!ok) return nq_fail(err, NQ_ERR_NOMEM, "out of memory splitting a signature output");
    }
  }
  return NQ_OK;
}

nq_status nq_split_outputs(nq_graph *g, void (*note)(void *, const char *), void *note_user, int *n_split,
                           nq_error *err) {
  *n_split = 0;
  int n_old = g->n_outputs, n_new = 0;
  chain *ch = calloc((size_t)(n_old ? n_old : 1), sizeof *ch);
  bool *split = calloc((size_t)(n_old ? n_old : 1), sizeof *split);
  text rec = {0}, why_not = {0};
  nq_status st = ch && split ? NQ_OK : nq_fail(err, NQ_ERR_NOMEM, "out of memory splitting outputs");
  for (int j = 0; st == NQ_OK && j < n_old; j++) {
    const char *why;
    split[j] = find_chain(g, g->outputs[j], &ch[j], &why);
    /* two outputs from one concatenation: split the first only */
    for (int i = 0; i < j && split[j]; i++) split[j] = !(split[i] && ch[i].concat == ch[j].concat);
    n_new += split[j] ? g->nodes[ch[j].concat].n_in : 1;
    *n_split += split[j];
    ch[j].why = split[j] ? NULL : why;
  }
  if (st == NQ_OK && *n_split == 0) {
    /* the outputs by reason, each reason once */
    for (int j = 0; j < n_old; j++) {
      bool said = false;
      for (int i = 0; i < j && !said; i++) said = ch[i].why == ch[j].why;
      for (int i = j; i < n_old && !said; i++) {
        if (ch[i].why != ch[j].why) continue;
        const char *nm = g->tensors[g->outputs[i]].name;
        add(&why_not, "%s'%s'", i == j ? (why_not.len ? "; " : "") : ", ", nm ? nm : "?");
      }
      if (!said) add(&why_not, ": %s", ch[j].why);
    }
    if (note) {
      text msg = {0};
      add(&msg, "--split-outputs: no output was split: %s",
          why_not.s ? why_not.s : "the model has no outputs");
      if (msg.s) note(note_user, msg.s);
      free(msg.s);
    }
    free(ch);
    free(split);
    free(why_not.s);
    return NQ_OK;
  }
  int *outs = st == NQ_OK ? malloc(sizeof(int) * (size_t)n_new) : NULL;
  if (st == NQ_OK && !outs) st = nq_fail(err, NQ_ERR_NOMEM, "out of memory splitting outputs");
  if (st == NQ_OK && !add(&rec, "%s %d\n", NQ_SPLIT_RECORD_MAGIC, n_old))
    st = nq_fail(err, NQ_ERR_NOMEM, "out of memory splitting outputs");
  int pos = 0;
  for (int j = 0; st == NQ_OK && j < n_old; j++) {
    int t = g->outputs[j];
    if (!split[j]) {
      outs[pos] = t;
      if (!add(&rec, "whole %d\n", pos++)) st = nq_fail(err, NQ_ERR_NOMEM, "out of memory splitting outputs");
      continue;
    }
    const nq_node *cat = &g->nodes[ch[j].concat];
    const nq_tensor *co = &g->tensors[cat->out[0]];
    int axis = cat->p.axis < 0 ? cat->p.axis + co->rank : cat->p.axis;
    char base[160];
    snprintf(base, sizeof base, "%s", g->tensors[t].name ? g->tensors[t].name : "output");
    text msg = {0};
    bool ok =
        add(&rec, "split %d", axis) && add_shape(&rec, co->rank, co->shape) && add(&rec, " %d", cat->n_in);
    for (int k = 0; k < cat->n_in && ok; k++) ok = add(&rec, " %d", pos + k);
    ok = ok && add(&rec, " %d", ch[j].n_moves);
    for (int m = 0; m < ch[j].n_moves && ok; m++)
      ok = add(&rec, " %c", ch[j].moves[m].transpose ? 'T' : 'R') &&
           add_shape(&rec, ch[j].moves[m].rank, ch[j].moves[m].dims);
    ok = ok && add(&rec, "\n");
    ok = ok && add(&msg, "--split-outputs: output '%s'", base) && add_brief_shape(&msg, &g->tensors[t]) &&
         add(&msg,
             " (CONCATENATION on axis %d%s) is now %d outputs, one per part, each with its own scale:", axis,
             ch[j].n_moves ? " and data moves" : "", cat->n_in);
    for (int k = 0; k < cat->n_in && ok; k++) {
      int p = cat->in[k];
      char *nm = part_name(base, k);
      ok = nm != NULL;
      if (ok) {
        free(g->tensors[p].name);
        g->tensors[p].name = nm;
        ok = add(&msg, "%s '%s'", k ? "," : "", nm) && add_brief_shape(&msg, &g->tensors[p]);
      }
      outs[pos++] = p;
    }
    if (ok)
      st = split_signatures(g, t, cat, err);
    else
      st = nq_fail(err, NQ_ERR_NOMEM, "out of memory splitting outputs");
    if (st == NQ_OK && note) note(note_user, msg.s);
    free(msg.s);
  }
  if (st == NQ_OK) st = nq_graph_set_io(g, g->n_inputs, g->inputs, n_new, outs, err);
  if (st == NQ_OK) st = set_record(g, &rec, err);
  bool changed = false;
  nq_pass_edited(g);
  if (st == NQ_OK) st = nq_pass_dead_code(g, &changed, err);
  nq_pass_index_free();
  free(outs);
  free(ch);
  free(split);
  free(rec.s);
  free(why_not.s);
  return st;
}
