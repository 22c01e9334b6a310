#include "report/split_parts.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/metadata.h"
#include "quant/split_outputs.h"

/* A record longer than this is not one npuquant wrote. */
#define MAX_RECORD (1u << 20)

void nq_output_map_free(nq_output_map *m) {
  for (int j = 0; m->o && j < m->n; j++) {
    free(m->o[j].pos);
    free(m->o[j].part);
    free(m->o[j].elem);
  }
  free(m->o);
  memset(m, 0, sizeof *m);
}

typedef struct reader {
  const char *p;
  const char *what; /* for messages: the test model's file */
  nq_error *err;
} reader;

static nq_status bad(reader *r, const char *expected) {
  char near[24];
  size_t k = 0;
  for (const char *s = r->p; *s && *s != '\n' && k + 1 < sizeof near; s++) near[k++] = *s;
  near[k] = 0;
  return nq_fail(r->err, NQ_ERR_FORMAT, "%s: %s metadata: %s expected at '%s'", r->what, NQ_SPLIT_RECORD_KEY,
                 expected, near);
}

static nq_status next_int(reader *r, long lo, long hi, const char *name, int *out) {
  while (*r->p == ' ' || *r->p == '\n') r->p++;
  if (!isdigit((unsigned char)*r->p) && *r->p != '-') return bad(r, name);
  char *end;
  errno = 0;
  long v = strtol(r->p, &end, 10);
  if (errno || end == r->p || v < lo || v > hi) {
    char want[96];
    snprintf(want, sizeof want, "%s in [%ld, %ld]", name, lo, hi);
    return bad(r, want);
  }
  r->p = end;
  *out = (int)v;
  return NQ_OK;
}

static bool next_word(reader *r, const char *w) {
  while (*r->p == ' ' || *r->p == '\n') r->p++;
  size_t n = strlen(w);
  if (strncmp(r->p, w, n) != 0 || (r->p[n] != ' ' && r->p[n] != '\n' && r->p[n] != 0)) return false;
  r->p += n;
  return true;
}

static nq_status next_shape(reader *r, int32_t *dims, int *rank) {
  NQ_TRY(next_int(r, 1, NQ_MAX_RANK, "a rank", rank));
  for (int d = 0; d < *rank; d++) {
    int v;
    NQ_TRY(next_int(r, 1, INT32_MAX, "a dimension", &v));
    dims[d] = v;
  }
  return NQ_OK;
}

static size_t elems(const int32_t *dims, int rank) {
  size_t n = 1;
  for (int d = 0; d < rank; d++) n = dims[d] > 0 && n <= SIZE_MAX / (size_t)dims[d] ? n * (size_t)dims[d] : 0;
  return n;
}

/* The parts' elements in the concatenation's layout. */
static nq_status place_parts(reader *r, const nq_graph *test, nq_output_parts *o, int axis, const int32_t *cs,
                             int rank) {
  int32_t *off = calloc((size_t)o->n_parts + 1, sizeof *off);
  size_t *start = calloc((size_t)o->n_parts + 1, sizeof *start);
  if (!off || !start) {
    free(off);
    free(start);
    return nq_fail(r->err, NQ_ERR_NOMEM, "out of memory reading the split outputs");
  }
  for (int k = 0; k < o->n_parts; k++) {
    const nq_tensor *x = &test->tensors[test->outputs[o->pos[k]]];
    bool ok = x->rank == rank;
    for (int d = 0; d < rank && ok; d++) ok = d == axis || x->shape[d] == cs[d];
    ok = ok && x->shape[axis] > 0 && x->shape[axis] <= cs[axis] - off[k];
    if (!ok) {
      free(off);
      free(start);
      return nq_fail(r->err, NQ_ERR_FORMAT,
                     "%s: %s metadata: part %d (output %d '%s') does not fit the concatenation on axis %d",
                     r->what, NQ_SPLIT_RECORD_KEY, k, o->pos[k], x->name ? x->name : "?", axis);
    }
    off[k + 1] = off[k] + x->shape[axis];
    start[k + 1] = start[k] + nq_tensor_elems(x);
  }
  if (off[o->n_parts] != cs[axis]) {
    int sum = off[o->n_parts];
    free(off);
    free(start);
    return nq_fail(r->err, NQ_ERR_FORMAT, "%s: %s metadata: the parts cover %d of the %d entries on axis %d",
                   r->what, NQ_SPLIT_RECORD_KEY, sum, (int)cs[axis], axis);
  }
  size_t inner = elems(cs + axis + 1, rank - axis - 1), len = (size_t)cs[axis];
  for (size_t i = 0; i < o->n; i++) {
    size_t outer = i / (len * inner), a = i / inner % len, in = i % inner;
    int k = 0;
    while ((size_t)off[k + 1] <= a) k++;
    size_t w = (size_t)(off[k + 1] - off[k]);
    o->part[i] = k;
    o->elem[i] = (int32_t)(start[k] + (outer * w + (a - (size_t)off[k])) * inner + in);
  }
  free(off);
  free(start);
  return NQ_OK;
}

/* Out dim d of a TRANSPOSE is in dim perm[d]: gather the elements. */
static nq_status transpose(reader *r, nq_output_parts *o, int32_t *shape, int rank, const int32_t *perm) {
  size_t n = o->n, in_stride[NQ_MAX_RANK], s = 1;
  int32_t out_shape[NQ_MAX_RANK];
  int seen = 0;
  for (int d = rank - 1; d >= 0; d--) in_stride[d] = s, s *= (size_t)shape[d];
  for (int d = 0; d < rank; d++) {
    if (perm[d] >= rank || (seen >> perm[d] & 1)) return bad(r, "a permutation");
    seen |= 1 << perm[d];
    out_shape[d] = shape[perm[d]];
  }
  int32_t *np = malloc(n * sizeof *np), *ne = malloc(n * sizeof *ne);
  if (!np || !ne) {
    free(np);
    free(ne);
    return nq_fail(r->err, NQ_ERR_NOMEM, "out of memory reading the split outputs");
  }
  int32_t c[NQ_MAX_RANK] = {0};
  for (size_t i = 0; i < n; i++) {
    size_t src = 0;
    for (int d = 0; d < rank; d++) src += (size_t)c[d] * in_stride[perm[d]];
    np[i] = o->part[src];
    ne[i] = o->elem[src];
    for (int d = rank - 1; d >= 0 && ++c[d] == out_shape[d]; d--) c[d] = 0;
  }
  free(o->part);
  free(o->elem);
  o->part = np;
  o->elem = ne;
  memcpy(shape, out_shape, sizeof out_shape);
  return NQ_OK;
}

static nq_status read_split(reader *r, const nq_graph *ref, const nq_graph *test, int j, bool *used,
                            nq_output_parts *o) {
  int axis, rank, n_moves;
  int32_t cs[NQ_MAX_RANK];
  NQ_TRY(next_int(r, 0, NQ_MAX_RANK - 1, "an axis", &axis));
  NQ_TRY(next_shape(r, cs, &rank));
  if (axis >= rank) return bad(r, "an axis below the rank");
  NQ_TRY(next_int(r, 2, test->n_outputs, "a part count", &o->n_parts));
  o->pos = calloc((size_t)o->n_parts, sizeof *o->pos);
  if (!o->pos) return nq_fail(r->err, NQ_ERR_NOMEM, "out of memory reading the split outputs");
  for (int k = 0; k < o->n_parts; k++) {
    NQ_TRY(next_int(r, 0, test->n_outputs - 1, "an output position", &o->pos[k]));
    if (used[o->pos[k]]) return bad(r, "an output not listed before");
    used[o->pos[k]] = true;
  }
  o->n = nq_tensor_elems(&ref->tensors[ref->outputs[j]]);
  if (elems(cs, rank) != o->n || o->n > INT32_MAX)
    return nq_fail(
        r->err, NQ_ERR_FORMAT,
        "%s: %s metadata: output %d's concatenation holds %zu values, the reference output '%s' %zu", r->what,
        NQ_SPLIT_RECORD_KEY, j, elems(cs, rank),
        ref->tensors[ref->outputs[j]].name ? ref->tensors[ref->outputs[j]].name : "?", o->n);
  o->part = malloc(o->n * sizeof *o->part);
  o->elem = malloc(o->n * sizeof *o->elem);
  if (!o->part || !o->elem) return nq_fail(r->err, NQ_ERR_NOMEM, "out of memory reading the split outputs");
  NQ_TRY(place_parts(r, test, o, axis, cs, rank));
  NQ_TRY(next_int(r, 0, 64, "a move count", &n_moves));
  for (int m = 0; m < n_moves; m++) {
    bool t = next_word(r, "T");
    if (!t && !next_word(r, "R")) return bad(r, "a move (R or T)");
    int32_t dims[NQ_MAX_RANK];
    int mr;
    if (t) {
      NQ_TRY(next_int(r, 1, NQ_MAX_RANK, "a rank", &mr));
      for (int d = 0; d < mr; d++) {
        int v;
        NQ_TRY(next_int(r, 0, NQ_MAX_RANK - 1, "a permutation entry", &v));
        dims[d] = v;
      }
      if (mr != rank) return bad(r, "a permutation of the current rank");
      NQ_TRY(transpose(r, o, cs, rank, dims));
    } else {
      NQ_TRY(next_shape(r, dims, &mr));
      if (elems(dims, mr) != o->n) return bad(r, "a reshape keeping the element count");
      memcpy(cs, dims, sizeof dims);
      rank = mr;
    }
  }
  return NQ_OK;
}

static nq_status same_size(const nq_graph *ref, const nq_graph *test, int j, int pos, nq_error *err) {
  const nq_tensor *a = &ref->tensors[ref->outputs[j]], *b = &test->tensors[test->outputs[pos]];
  if (nq_tensor_elems(a) == nq_tensor_elems(b)) return NQ_OK;
  return nq_fail(err, NQ_ERR_SHAPE,
                 "output %d has different sizes in the two models ('%s': %zu values, '%s': %zu)", j,
                 a->name ? a->name : "?", nq_tensor_elems(a), b->name ? b->name : "?", nq_tensor_elems(b));
}

static const nq_metadata *find_record(const nq_graph *g) {
  return nq_graph_find_metadata(g, NQ_SPLIT_RECORD_KEY);
}

static nq_status build(const nq_graph *ref, const nq_graph *test, const nq_metadata *rec, char *text,
                       nq_output_map *m, nq_error *err) {
  m->n = ref->n_outputs;
  m->o = calloc((size_t)(m->n ? m->n : 1), sizeof *m->o);
  bool *used = calloc((size_t)(test->n_outputs ? test->n_outputs : 1), sizeof *used);
  nq_status st = m->o && used ? NQ_OK : nq_fail(err, NQ_ERR_NOMEM, "out of memory reading the split outputs");
  if (st == NQ_OK && !rec) {
    if (ref->n_outputs != test->n_outputs)
      st = nq_fail(err, NQ_ERR_INVALID_ARG, "the models differ in outputs (%d vs %d)", ref->n_outputs,
                   test->n_outputs);
    for (int j = 0; st == NQ_OK && j < m->n; j++) {
      m->o[j] = (nq_output_parts){.n_parts = 1, .pos = malloc(sizeof(int)), .n = 0};
      if (!m->o[j].pos) st = nq_fail(err, NQ_ERR_NOMEM, "out of memory comparing outputs");
      if (st == NQ_OK) m->o[j].pos[0] = j;
      if (st == NQ_OK) st = same_size(ref, test, j, j, err);
    }
  } else if (st == NQ_OK) {
    reader r = {text, test->source ? test->source : "the test model", err};
    int n_orig;
    if (!next_word(&r, "npuquant-split-outputs") || !next_word(&r, "1"))
      st = bad(&r, "'" NQ_SPLIT_RECORD_MAGIC "'");
    if (st == NQ_OK) st = next_int(&r, 0, INT32_MAX, "an output count", &n_orig);
    if (st == NQ_OK && n_orig != ref->n_outputs)
      st = nq_fail(err, NQ_ERR_INVALID_ARG,
                   "%s: its outputs were split from a model with %d outputs; the reference model has %d",
                   r.what, n_orig, ref->n_outputs);
    for (int j = 0; st == NQ_OK && j < m->n; j++) {
      nq_output_parts *o = &m->o[j];
      if (next_word(&r, "whole")) {
        o->n_parts = 1;
        o->pos = malloc(sizeof(int));
        if (!o->pos) st = nq_fail(err, NQ_ERR_NOMEM, "out of memory comparing outputs");
        if (st == NQ_OK) st = next_int(&r, 0, test->n_outputs - 1, "an output position", &o->pos[0]);
        if (st == NQ_OK && used[o->pos[0]]) st = bad(&r, "an output not listed before");
        if (st == NQ_OK) used[o->pos[0]] = true;
        if (st == NQ_OK) st = same_size(ref, test, j, o->pos[0], err);
      } else if (next_word(&r, "split")) {
        st = read_split(&r, ref, test, j, used, o);
        o->first_part = m->n_parts_total;
        if (st == NQ_OK) m->n_parts_total += o->n_parts;
      } else {
        st = bad(&r, "'whole' or 'split'");
      }
    }
    for (int p = 0; st == NQ_OK && p < test->n_outputs; p++)
      if (!used[p])
        st = nq_fail(err, NQ_ERR_FORMAT, "%s: %s metadata does not place output %d", r.what,
                     NQ_SPLIT_RECORD_KEY, p);
  }
  free(used);
  if (st != NQ_OK) nq_output_map_free(m);
  return st;
}

nq_status nq_output_map_build(const nq_graph *ref, const nq_graph *test, nq_output_map *m, nq_error *err) {
  memset(m, 0, sizeof *m);
  /* Two split models (the same record) compare output by output. */
  const nq_metadata *rec = find_record(ref) ? NULL : find_record(test);
  if (rec && (rec->size > MAX_RECORD || !rec->data))
    return nq_fail(err, NQ_ERR_FORMAT, "%s: %s metadata of %zu bytes (at most %u expected)",
                   test->source ? test->source : "the test model", NQ_SPLIT_RECORD_KEY, rec->size,
                   MAX_RECORD);
  char *text = NULL;
  if (rec) {
    text = malloc(rec->size + 1);
    if (!text) return nq_fail(err, NQ_ERR_NOMEM, "out of memory reading the split outputs");
    memcpy(text, rec->data, rec->size);
    text[rec->size] = 0;
  }
  nq_status st = build(ref, test, rec, text, m, err);
  free(text);
  return st;
}
