/* Constant evaluation for the TensorFlow converter (see tf_fold.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/budget.h"
#include "core/checked.h"
#include "core/status.h"
#include "frontends/tensorflow/tf_fold.h"
#include "ir/strided_slice.h"

double tf_el_get(const nq_tensor *t, size_t i) {
  switch (t->type) {
    case NQ_FLOAT32: {
      float v;
      memcpy(&v, t->data + 4 * i, 4);
      return v;
    }
    case NQ_INT32: {
      int32_t v;
      memcpy(&v, t->data + 4 * i, 4);
      return v;
    }
    case NQ_INT64: {
      int64_t v;
      memcpy(&v, t->data + 8 * i, 8);
      return (double)v;
    }
    case NQ_INT16: {
      int16_t v;
      memcpy(&v, t->data + 2 * i, 2);
      return v;
    }
    case NQ_INT8:
      return (int8_t)t->data[i];
    case NQ_UINT8:
    case NQ_BOOL:
      return t->data[i];
    default:
      return 0;
  }
}

void tf_el_set(nq_dtype type, uint8_t *data, size_t i, double v) {
  switch (type) {
    case NQ_FLOAT32: {
      float x = (float)v;
      memcpy(data + 4 * i, &x, 4);
      break;
    }
    case NQ_INT32: {
      int32_t x = (int32_t)fmax(fmin(v, 2147483647.0), -2147483648.0);
      memcpy(data + 4 * i, &x, 4);
      break;
    }
    case NQ_INT64: {
      int64_t x = (int64_t)fmax(fmin(v, 9.2e18), -9.2e18);
      memcpy(data + 8 * i, &x, 8);
      break;
    }
    case NQ_INT16: {
      int16_t x = (int16_t)v;
      memcpy(data + 2 * i, &x, 2);
      break;
    }
    case NQ_INT8:
      data[i] = (uint8_t)(int8_t)v;
      break;
    case NQ_UINT8:
      data[i] = (uint8_t)v;
      break;
    case NQ_BOOL:
      data[i] = v != 0;
      break;
    default:
      break;
  }
}

int tf_const_from_doubles(nq_graph *g, const char *name, nq_dtype type, int rank, const int32_t *shape,
                          const double *vals, nq_error *err) {
  size_t n;
  if (!nq_shape_elems(shape, rank, NQ_MAX_TENSOR_ELEMS, &n)) {
    nq_fail(err, NQ_ERR_NOMEM, "constant '%s' is too large", name);
    return -1;
  }
  size_t nb = n * nq_dtype_size(type);
  /* The sum of folded constants (64 Fills of 2^24 elements each) is what
   * the memory budget bounds; refuse before the copy exists. */
  char what[200];
  snprintf(what, sizeof what, "node '%.150s' (folded constant)", name);
  if (nq_budget_take(nb, what, err) != NQ_OK) return -1;
  nq_budget_give(nb);
  int t = nq_graph_add_tensor(g, name, type, rank, shape, err);
  if (t < 0) return -1;
  uint8_t *d = malloc(nb ? nb : 1);
  if (!d) {
    nq_fail(err, NQ_ERR_NOMEM, "constant '%s': out of memory", name);
    return -1;
  }
  for (size_t i = 0; i < n; i++) tf_el_set(type, d, i, vals[i]);
  if (nq_tensor_set_data(g, t, d, nb, err) != NQ_OK) return -1;
  return t;
}

static int finish(nq_graph *g, const char *name, nq_dtype type, int rank, const int32_t *shape, double *vals,
                  nq_error *err) {
  int t = tf_const_from_doubles(g, name, type, rank, shape, vals, err);
  free(vals);
  return t;
}

/* Row-major strides of a shape. */
static void strides_of(const int32_t *shape, int rank, size_t *st) {
  size_t s = 1;
  for (int i = rank - 1; i >= 0; i--) {
    st[i] = s;
    s *= (size_t)shape[i];
  }
}

/* The fold codes of the comparisons and logical ops, whose result is bool. */
static bool bool_fold(char op) { return op != 0 && strchr("<l>g=!&|", op) != NULL; }

int tf_fold_binary(nq_graph *g, const char *name, int a, int b, char op, nq_error *err) {
  const nq_tensor *A = &g->tensors[a], *B = &g->tensors[b];
  int rank = A->rank > B->rank ? A->rank : B->rank;
  int32_t sa[NQ_MAX_RANK], sb[NQ_MAX_RANK], so[NQ_MAX_RANK];
  for (int i = 0; i < rank; i++) {
    int ia = i - (rank - A->rank), ib = i - (rank - B->rank);
    sa[i] = ia >= 0 ? A->shape[ia] : 1;
    sb[i] = ib >= 0 ? B->shape[ib] : 1;
    if (sa[i] != sb[i] && sa[i] != 1 && sb[i] != 1) {
      nq_fail(err, NQ_ERR_SHAPE, "'%s': constant operands do not broadcast (dimension %d: %d vs %d)", name, i,
              (int)sa[i], (int)sb[i]);
      return -1;
    }
    so[i] = sa[i] == 1 ? sb[i] : sa[i];
  }
  size_t n, sta[NQ_MAX_RANK], stb[NQ_MAX_RANK], sto[NQ_MAX_RANK];
  if (!nq_shape_elems(so, rank, NQ_MAX_TENSOR_ELEMS, &n)) {
    nq_fail(err, NQ_ERR_NOMEM, "'%s': constant too large", name);
    return -1;
  }
  strides_of(sa, rank, sta);
  strides_of(sb, rank, stb);
  strides_of(so, rank, sto);
  double *v = malloc((n ? n : 1) * sizeof *v);
  if (!v) {
    nq_fail(err, NQ_ERR_NOMEM, "'%s': out of memory", name);
    return -1;
  }
  bool is_int = A->type != NQ_FLOAT32;
  for (size_t i = 0; i < n; i++) {
    size_t ia = 0, ib = 0, r = i;
    for (int d = 0; d < rank; d++) {
      size_t c = r / sto[d];
      r %= sto[d];
      if (sa[d] != 1) ia += c * sta[d];
      if (sb[d] != 1) ib += c * stb[d];
    }
    double x = tf_el_get(A, ia), y = tf_el_get(B, ib), z = 0;
    switch (op) {
      case '+':
        z = x + y;
        break;
      case '-':
        z = x - y;
        break;
      case '*':
        z = x * y;
        break;
      case '/':
        z = is_int ? (y != 0 ? trunc(x / y) : 0) : x / y;
        break;
      case 'f':
        z = y != 0 ? floor(x / y) : 0;
        break;
      case '%':
        z = y != 0 ? x - y * floor(x / y) : 0;
        break;
      case 'M':
        z = x > y ? x : y;
        break;
      case 'm':
        z = x < y ? x : y;
        break;
      /* comparisons and logical ops: a bool constant (shape checks) */
      case '<':
        z = x < y;
        break;
      case 'l':
        z = x <= y;
        break;
      case '>':
        z = x > y;
        break;
      case 'g':
        z = x >= y;
        break;
      case '=':
        z = x == y;
        break;
      case '!':
        z = x != y;
        break;
      case '&':
        z = x != 0 && y != 0;
        break;
      case '|':
        z = x != 0 || y != 0;
        break;
      default:
        break;
    }
    if (A->type == NQ_FLOAT32 && !bool_fold(op)) z = (float)z;
    v[i] = z;
  }
  return finish(g, name, bool_fold(op) ? NQ_BOOL : A->type, rank, so, v, err);
}

int tf_fold_concat(nq_graph *g, const char *name, const int *ts, int n, int axis, nq_error *err) {
  const nq_tensor *T0 = &g->tensors[ts[0]];
  int rank = T0->rank;
  if (axis < 0) axis += rank;
  if (rank < 1 || axis < 0 || axis >= rank) {
    nq_fail(err, NQ_ERR_SHAPE, "'%s': concat axis out of range for rank %d", name, rank);
    return -1;
  }
  int32_t so[NQ_MAX_RANK];
  memcpy(so, T0->shape, sizeof so);
  so[axis] = 0;
  for (int i = 0; i < n; i++) {
    const nq_tensor *T = &g->tensors[ts[i]];
    if (T->rank != rank) {
      nq_fail(err, NQ_ERR_SHAPE, "'%s': concatenated constants have ranks %d and %d", name, rank, T->rank);
      return -1;
    }
    for (int d = 0; d < rank; d++)
      if (d != axis && T->shape[d] != T0->shape[d]) {
        nq_fail(err, NQ_ERR_SHAPE, "'%s': concatenated constants differ in dimension %d", name, d);
        return -1;
      }
    if (so[axis] > INT32_MAX - T->shape[axis]) {
      nq_fail(err, NQ_ERR_SHAPE, "'%s': concatenation too large", name);
      return -1;
    }
    so[axis] += T->shape[axis];
  }
  size_t total;
  if (!nq_shape_elems(so, rank, NQ_MAX_TENSOR_ELEMS, &total)) {
    nq_fail(err, NQ_ERR_NOMEM, "'%s': constant too large", name);
    return -1;
  }
  double *v = malloc((total ? total : 1) * sizeof *v);
  if (!v) {
    nq_fail(err, NQ_ERR_NOMEM, "'%s': out of memory", name);
    return -1;
  }
  size_t outer = 1, inner = 1;
  for (int d = 0; d < axis; d++) outer *= (size_t)so[d];
  for (int d = axis + 1; d < rank; d++) inner *= (size_t)so[d];
  size_t k = 0;
  for (size_t o = 0; o < outer; o++)
    for (int i = 0; i < n; i++) {
      const nq_tensor *T = &g->tensors[ts[i]];
      size_t chunk = (size_t)T->shape[axis] * inner;
      for (size_t j = 0; j < chunk; j++) v[k++] = tf_el_get(T, o * chunk + j);
    }
  return finish(g, name, T0->type, rank, so, v, err);
}

int tf_fold_pack(nq_graph *g, const char *name, const int *ts, int n, int axis, nq_error *err) {
  const nq_tensor *T0 = &g->tensors[ts[0]];
  int rank = T0->rank + 1;
  if (axis < 0) axis += rank;
  if (rank > NQ_MAX_RANK || axis < 0 || axis >= rank) {
    nq_fail(err, NQ_ERR_SHAPE, "'%s': pack axis out of range", name);
    return -1;
  }
  /* Pack = concat of the inputs reshaped with a 1 inserted at axis. */
  int32_t so[NQ_MAX_RANK];
  for (int d = 0, s = 0; d < rank; d++) so[d] = d == axis ? n : T0->shape[s++];
  size_t total, inner = 1, outer = 1;
  if (!nq_shape_elems(so, rank, NQ_MAX_TENSOR_ELEMS, &total)) {
    nq_fail(err, NQ_ERR_NOMEM, "'%s': constant too large", name);
    return -1;
  }
  for (int i = 0; i < n; i++) {
    const nq_tensor *T = &g->tensors[ts[i]];
    if (T->rank != T0->rank || memcmp(T->shape, T0->shape, sizeof(int32_t) * (size_t)T->rank) != 0) {
      nq_fail(err, NQ_ERR_SHAPE, "'%s': packed constants differ in shape", name);
      return -1;
    }
  }
  for (int d = 0; d < axis; d++) outer *= (size_t)so[d];
  for (int d = axis + 1; d < rank; d++) inner *= (size_t)so[d];
  double *v = malloc((total ? total : 1) * sizeof *v);
  if (!v) {
    nq_fail(err, NQ_ERR_NOMEM, "'%s': out of memory", name);
    return -1;
  }
  size_t k = 0;
  for (size_t o = 0; o < outer; o++)
    for (int i = 0; i < n; i++)
      for (size_t j = 0; j < inner; j++) v[k++] = tf_el_get(&g->tensors[ts[i]], o * inner + j);
  return finish(g, name, T0->type, rank, so, v, err);
}

int tf_fold_strided_slice(nq_graph *g, const char *name, int x, int begin, int end, int strides,
                          const nq_op_params *p, nq_error *err) {
  const nq_tensor *X = &g->tensors[x], *B = &g->tensors[begin], *E = &g->tensors[end],
                  *S = &g->tensors[strides];
  size_t n = nq_tensor_elems(B);
  if (n > NQ_MAX_RANK || nq_tensor_elems(E) != n || nq_tensor_elems(S) != n) {
    nq_fail(err, NQ_ERR_SHAPE, "'%s': begin/end/strides must have the same length <= %d", name, NQ_MAX_RANK);
    return -1;
  }
  int64_t b[NQ_MAX_RANK], e[NQ_MAX_RANK], s[NQ_MAX_RANK];
  for (size_t i = 0; i < n; i++) {
    b[i] = (int64_t)tf_el_get(B, i);
    e[i] = (int64_t)tf_el_get(E, i);
    s[i] = (int64_t)tf_el_get(S, i);
  }
  nq_slice_plan plan;
  char why[200];
  if (!nq_strided_slice_plan(X->shape, X->rank, b, e, s, (int)n, p, &plan, why, sizeof why)) {
    nq_fail(err, NQ_ERR_SHAPE, "'%s': %s", name, why);
    return -1;
  }
  size_t total = 1, st[NQ_MAX_RANK];
  for (int d = 0; d < plan.in_rank; d++) total *= (size_t)plan.count[d];
  strides_of(X->shape, X->rank, st);
  double *v = malloc((total ? total : 1) * sizeof *v);
  if (!v) {
    nq_fail(err, NQ_ERR_NOMEM, "'%s': out of memory", name);
    return -1;
  }
  for (size_t i = 0; i < total; i++) {
    size_t r = i, src = 0;
    for (int d = plan.in_rank - 1; d >= 0; d--) {
      size_t c = r % (size_t)plan.count[d];
      r /= (size_t)plan.count[d];
      src += (size_t)(plan.begin[d] + (int64_t)c * plan.stride[d]) * st[d];
    }
    v[i] = tf_el_get(X, src);
  }
  return finish(g, name, X->type, plan.out_rank, plan.out_shape, v, err);
}

int tf_fold_reduce(nq_graph *g, const char *name, int x, int axes, bool keep_dims, char op, nq_error *err) {
  const nq_tensor *X = &g->tensors[x], *A = &g->tensors[axes];
  bool red[NQ_MAX_RANK] = {false};
  size_t na = nq_tensor_elems(A);
  for (size_t i = 0; i < na; i++) {
    int ax = (int)tf_el_get(A, i);
    if (ax < 0) ax += X->rank;
    if (ax < 0 || ax >= X->rank) {
      nq_fail(err, NQ_ERR_SHAPE, "'%s': reduction axis out of range", name);
      return -1;
    }
    red[ax] = true;
  }
  int32_t so[NQ_MAX_RANK], sk[NQ_MAX_RANK];
  int ro = 0;
  for (int d = 0; d < X->rank; d++) {
    sk[d] = red[d] ? 1 : X->shape[d];
    if (!red[d] || keep_dims) so[ro++] = sk[d];
  }
  size_t nout = 0, nin = nq_tensor_elems(X), stx[NQ_MAX_RANK], stk[NQ_MAX_RANK];
  nq_shape_elems(sk, X->rank, NQ_MAX_TENSOR_ELEMS, &nout);
  strides_of(X->shape, X->rank, stx);
  strides_of(sk, X->rank, stk);
  double *v = malloc((nout ? nout : 1) * sizeof *v);
  size_t *cnt = calloc(nout ? nout : 1, sizeof *cnt);
  if (!v || !cnt) {
    free(v);
    free(cnt);
    nq_fail(err, NQ_ERR_NOMEM, "'%s': out of memory", name);
    return -1;
  }
  for (size_t i = 0; i < nin; i++) {
    size_t r = i, o = 0;
    for (int d = 0; d < X->rank; d++) {
      size_t c = r / stx[d];
      r %= stx[d];
      if (!red[d]) o += c * stk[d];
    }
    double y = tf_el_get(X, i);
    if (!cnt[o])
      v[o] = y;
    else if (op == 'p')
      v[o] *= y;
    else if (op == 's' || op == 'a')
      v[o] += y;
    else if (op == 'M')
      v[o] = y > v[o] ? y : v[o];
    else if (op == 'm')
      v[o] = y < v[o] ? y : v[o];
    cnt[o]++;
  }
  for (size_t o = 0; o < nout; o++) {
    if (!cnt[o])
      v[o] = op == 'p' ? 1 : 0;
    else if (op == 'a')
      v[o] /= (double)cnt[o];
  }
  free(cnt);
  return finish(g, name, X->type, ro, so, v, err);
}

int tf_fold_transpose(nq_graph *g, const char *name, int x, const int *perm, nq_error *err) {
  /* Weights can be large (FULLY_CONNECTED 4096 x 25088): move element bytes. */
  int32_t so[NQ_MAX_RANK];
  int rank = g->tensors[x].rank;
  size_t stx[NQ_MAX_RANK], sto[NQ_MAX_RANK], n = nq_tensor_elems(&g->tensors[x]);
  size_t esz = nq_dtype_size(g->tensors[x].type);
  for (int d = 0; d < rank; d++) so[d] = g->tensors[x].shape[perm[d]];
  strides_of(g->tensors[x].shape, rank, stx);
  strides_of(so, rank, sto);
  uint8_t *v = malloc(n > 0 ? n * esz : 1);
  if (!v) {
    nq_fail(err, NQ_ERR_NOMEM, "'%s': out of memory", name);
    return -1;
  }
  const uint8_t *src = g->tensors[x].data;
  for (size_t i = 0; i < n; i++) {
    size_t r = i, off = 0;
    for (int d = 0; d < rank; d++) {
      size_t c = r / sto[d];
      r %= sto[d];
      off += c * stx[perm[d]];
    }
    memcpy(v + i * esz, src + off * esz, esz);
  }
  nq_dtype type = g->tensors[x].type;
  int t = nq_graph_add_tensor(g, name, type, rank, so, err); /* may move g->tensors */
  if (t < 0 || nq_tensor_set_data(g, t, v, n * esz, err) != NQ_OK) {
    if (t < 0) free(v);
    return -1;
  }
  return t;
}
