/* Graph queries and edits shared by the passes (see pass_util.h). */
#include "passes/pass_util.h"

#include <stdlib.h>
#include <string.h>

/* The use/def index: per tensor, its producer node, its number of readers
 * and its first reader. Built in one sweep over the nodes and reused until
 * the graph changes, so a pass asking about every node costs O(nodes), not
 * O(nodes^2) (a 200k-node chain took more than 15 minutes with a scan per
 * question). Helpers that edit the graph drop it; a pass that edits node
 * inputs or outputs directly calls nq_pass_edited(). Every answer is also
 * checked against the node it names, and a stale index is rebuilt. */
typedef struct use_index {
  const nq_graph *g;
  int n_nodes, n_tensors;
  int *producer; /* node index or -1 */
  int *readers;  /* number of node inputs reading the tensor */
  int *first;    /* the first reading node, or -1 */
} use_index;

static _Thread_local use_index idx;

void nq_pass_edited(const nq_graph *g) {
  (void)g;
  idx.g = NULL;
}

void nq_pass_index_free(void) {
  free(idx.producer);
  free(idx.readers);
  free(idx.first);
  memset(&idx, 0, sizeof idx);
}

/* Build the index for g; false when out of memory (callers then scan). */
static bool build(const nq_graph *g) {
  if (idx.g == g && idx.n_nodes == g->n_nodes && idx.n_tensors == g->n_tensors) return true;
  if (g->n_tensors > idx.n_tensors || !idx.producer) {
    size_t n = (size_t)(g->n_tensors > 0 ? g->n_tensors : 1);
    int *p = realloc(idx.producer, n * sizeof *p), *r = p ? realloc(idx.readers, n * sizeof *r) : NULL,
        *f = r ? realloc(idx.first, n * sizeof *f) : NULL;
    if (p) idx.producer = p;
    if (r) idx.readers = r;
    if (f) idx.first = f;
    if (!p || !r || !f) {
      idx.g = NULL;
      return false;
    }
  }
  for (int t = 0; t < g->n_tensors; t++) idx.producer[t] = -1, idx.readers[t] = 0, idx.first[t] = -1;
  for (int n = 0; n < g->n_nodes; n++) {
    const nq_node *node = &g->nodes[n];
    for (int i = 0; i < node->n_out; i++) {
      int t = node->out[i];
      if (t >= 0 && t < g->n_tensors && idx.producer[t] < 0) idx.producer[t] = n;
    }
    for (int i = 0; i < node->n_in; i++) {
      int t = node->in[i];
      if (t < 0 || t >= g->n_tensors) continue;
      if (idx.readers[t]++ == 0) idx.first[t] = n;
    }
  }
  idx.g = g;
  idx.n_nodes = g->n_nodes;
  idx.n_tensors = g->n_tensors;
  return true;
}

static bool node_reads(const nq_node *node, int t) {
  for (int i = 0; i < node->n_in; i++)
    if (node->in[i] == t) return true;
  return false;
}

static bool node_writes(const nq_node *node, int t) {
  for (int i = 0; i < node->n_out; i++)
    if (node->out[i] == t) return true;
  return false;
}

static int scan_consumers(const nq_graph *g, int t) {
  int count = 0;
  for (int n = 0; n < g->n_nodes; n++)
    for (int i = 0; i < g->nodes[n].n_in; i++)
      if (g->nodes[n].in[i] == t) count++;
  return count;
}

static int scan_single_consumer(const nq_graph *g, int t) {
  int found = -1;
  for (int n = 0; n < g->n_nodes; n++)
    for (int i = 0; i < g->nodes[n].n_in; i++)
      if (g->nodes[n].in[i] == t) {
        if (found >= 0) return -1; /* a second reader (or the same node twice) */
        found = n;
      }
  return found;
}

static int scan_producer(const nq_graph *g, int t) {
  for (int n = 0; n < g->n_nodes; n++)
    if (node_writes(&g->nodes[n], t)) return n;
  return -1;
}

int nq_pass_consumers(const nq_graph *g, int t) {
  if (t < 0 || t >= g->n_tensors || !build(g)) return scan_consumers(g, t);
  int f = idx.first[t];
  if (idx.readers[t] > 0 && !(f < g->n_nodes && node_reads(&g->nodes[f], t))) {
    nq_pass_edited(g); /* stale: an edit went unreported */
    return scan_consumers(g, t);
  }
  return idx.readers[t];
}

int nq_pass_single_consumer(const nq_graph *g, int t) {
  if (t < 0 || t >= g->n_tensors || !build(g)) return scan_single_consumer(g, t);
  if (idx.readers[t] != 1) return -1;
  int f = idx.first[t];
  if (f < g->n_nodes && node_reads(&g->nodes[f], t)) return f;
  nq_pass_edited(g);
  return scan_single_consumer(g, t);
}

bool nq_pass_is_output(const nq_graph *g, int t) {
  for (int i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == t) return true;
  for (int s = 0; s < g->n_signatures; s++)
    for (int i = 0; i < g->signatures[s].n_out; i++)
      if (g->signatures[s].out[i].tensor == t) return true;
  return false;
}

int nq_pass_producer(const nq_graph *g, int t) {
  if (t < 0 || t >= g->n_tensors || !build(g)) return scan_producer(g, t);
  int p = idx.producer[t];
  if (p >= 0 && p < g->n_nodes && node_writes(&g->nodes[p], t)) return p;
  if (p < 0) return -1;
  nq_pass_edited(g);
  return scan_producer(g, t);
}

void nq_pass_replace_uses(nq_graph *g, int from, int to) {
  for (int n = 0; n < g->n_nodes; n++)
    for (int i = 0; i < g->nodes[n].n_in; i++)
      if (g->nodes[n].in[i] == from) g->nodes[n].in[i] = to;
  nq_pass_edited(g);
}

void nq_pass_remove_node(nq_graph *g, int n) {
  nq_node_free_fields(&g->nodes[n]);
  memmove(&g->nodes[n], &g->nodes[n + 1], (size_t)(g->n_nodes - n - 1) * sizeof(nq_node));
  g->n_nodes--;
  nq_pass_edited(g);
}

bool nq_pass_is_const_f32(const nq_graph *g, int t) {
  return t >= 0 && t < g->n_tensors && g->tensors[t].data != NULL && g->tensors[t].type == NQ_FLOAT32 &&
         g->tensors[t].q.n == 0;
}

int nq_pass_add_const_f32(nq_graph *g, const char *name, int rank, const int32_t *shape, const float *data,
                          nq_error *err) {
  int t = nq_graph_add_tensor(g, name, NQ_FLOAT32, rank, shape, err);
  if (t < 0) return -1;
  size_t nbytes = nq_tensor_elems(&g->tensors[t]) * sizeof(float);
  if (nq_tensor_copy_data(g, t, data, nbytes, err) != NQ_OK) return -1;
  return t;
}

bool nq_pass_const_ints(const nq_graph *g, int t, int n, int64_t *out) {
  if (t < 0 || t >= g->n_tensors || n < 0) return false;
  const nq_tensor *x = &g->tensors[t];
  if (!x->data || x->q.n > 0 || nq_tensor_elems(x) != (size_t)n) return false;
  if (x->type == NQ_INT32 && x->nbytes == (size_t)n * sizeof(int32_t)) {
    for (int i = 0; i < n; i++) out[i] = ((const int32_t *)x->data)[i];
    return true;
  }
  if (x->type == NQ_INT64 && x->nbytes == (size_t)n * sizeof(int64_t)) {
    for (int i = 0; i < n; i++) out[i] = ((const int64_t *)x->data)[i];
    return true;
  }
  return false;
}
