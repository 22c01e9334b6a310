/*
 * BATCH_MATMUL, float32 reference.
 *   A [..., M, K] (adj_x: [..., K, M]), B [..., K, N] (adj_y: [..., N, K]),
 *   out [..., M, N]; the batch dims broadcast (numpy rules).
 */
#include "exec/float/ref.h"

nq_status nq_ref_batch_matmul(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0], *y = &a->in[1], *o = &a->out[0];
  bool ax = a->p->adj_x, ay = a->p->adj_y;
  int M = o->shape[o->rank - 2], N = o->shape[o->rank - 1];
  int K = ax ? x->shape[x->rank - 2] : x->shape[x->rank - 1];
  int br = o->rank - 2;
  size_t nb = 1, sx[NQ_MAX_RANK], sy[NQ_MAX_RANK];
  for (int d = 0; d < br; d++) nb *= (size_t)o->shape[d];
  /* Batch strides (in matrices) of x and y through the output's batch shape. */
  size_t s1 = 1, s2 = 1;
  for (int d = br - 1; d >= 0; d--) {
    int ix = d - (br - (x->rank - 2)), iy = d - (br - (y->rank - 2));
    sx[d] = ix >= 0 && x->shape[ix] != 1 ? s1 : 0;
    sy[d] = iy >= 0 && y->shape[iy] != 1 ? s2 : 0;
    if (ix >= 0) s1 *= (size_t)x->shape[ix];
    if (iy >= 0) s2 *= (size_t)y->shape[iy];
  }
  const float *X = x->data, *Y = y->data;
  float *O = o->data;
  for (size_t b = 0; b < nb; b++) {
    size_t rem = b, bx = 0, by = 0;
    for (int d = br - 1; d >= 0; d--) {
      size_t i = rem % (size_t)o->shape[d];
      rem /= (size_t)o->shape[d];
      bx += i * sx[d];
      by += i * sy[d];
    }
    const float *xm = X + bx * (size_t)M * K, *ym = Y + by * (size_t)K * N;
    float *om = O + b * (size_t)M * N;
    for (int m = 0; m < M; m++)
      for (int n = 0; n < N; n++) {
        float acc = 0.0f;
        for (int k = 0; k < K; k++) {
          float xv = ax ? xm[(size_t)k * M + m] : xm[(size_t)m * K + k];
          float yv = ay ? ym[(size_t)n * K + k] : ym[(size_t)k * N + n];
          acc += xv * yv;
        }
        om[(size_t)m * N + n] = acc;
      }
  }
  (void)err;
  return NQ_OK;
}
