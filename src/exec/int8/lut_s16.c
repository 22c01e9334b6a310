/*
 * EXP on int16 (exp.cc: TFLite's 513-entry LUTPopulate table between the
 * input and output grids, read with interpolation; softmax_s16.c builds it).
 *
 * LOGISTIC and TANH on int16 activations (TFLite's 16x8 mode), TFLite's
 * reference_integer_ops::Logistic / Tanh for int16: a 256-entry table of
 * sigmoid(i / 24) in unsigned 0.16 fixed point, read with linear
 * interpolation (tanh(x) = 2 sigmoid(2x) - 1 reads it at twice the rate).
 *
 * Prepare (activations.cc SigmoidPrepare / TanhPrepare, int16): input and
 * output zero points 0, output scale 2^-15 (CheckedLog2 within 1e-3).
 * input_left_shift = 12 + round(log2(s_in)); when s_in is a power of two
 * and that shift is 0 or 1 the multiplier stays 0 (the optimized path);
 * otherwise multiplier = s_in * 4096 * 3, doubled while <= 32767 / 2 (at
 * most 31 times) counting the doublings in input_left_shift, then
 * truncated to int32. Per element x' = (x * multiplier + round) >> shift.
 * With a power-of-two input scale (shift 0 or 1) TFLite's builtin kernel
 * runs its optimized gemmlowp form instead (up to 5 steps away from this
 * one on LiteRT.js): such a node is refused with a message. Integer only:
 * no rounding mode.
 */
#include "exec/int8/int8_kernels.h"

#include <math.h>

/* sigmoid(i / 24) * 2^16, rounded, as TFLite tabulates it (a fixed table in
 * TFLite's sources: within 1 of the formula, not equal to any one rounding
 * of it, so the values are listed). */
static const uint16_t sigmoid_u16[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064,
    42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464,
    50942, 51409, 51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503,
    56823, 57133, 57433, 57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370,
    60565, 60753, 60935, 61110, 61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666,
    62778, 62886, 62990, 63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968,
    64030, 64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687,
    64721, 64754, 64786, 64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079,
    65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234, 65246, 65258, 65269, 65280, 65291,
    65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367, 65374, 65381, 65387, 65393, 65399, 65404,
    65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465,
    65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498,
    65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516,
    65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524, 65525, 65525,
    65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530, 65530,
    65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534,
    65535};

typedef struct s16_lut_prep {
  bool tanh;
  bool table; /* EXP: the 513-entry table below */
  int16_t lut[513];
  int32_t mult; /* input_multiplier */
  int shift;    /* input_left_shift (a right shift here) */
} s16_lut_prep;

/* TFLite CheckedLog2 (see binary_s16.c). */
static bool checked_log2(float x, int *log2_rounded) {
  const float l = logf(x) * (1.0f / logf(2.0f));
  const float r = roundf(l);
  *log2_rounded = (int)r;
  return fabsf(l - r) < 1e-3f;
}

nq_status nq_s16_lut_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  const nq_op op = a->node->op;
  if (op != NQ_OP_LOGISTIC && op != NQ_OP_TANH && op != NQ_OP_EXP)
    return nq_i8_fail(a, err, "int16 activations: npuquant has no int16 kernel for this op");
  float s_in, s_out;
  NQ_TRY(nq_s16_symmetric_io(a, &s_in, &s_out, err));
  if (op == NQ_OP_EXP) {
    /* exp.cc: LUTPopulate<int16_t> of exp between the two grids, then
     * LookupTable (lut_lookup_with_interpolation) per element. */
    s16_lut_prep *p;
    NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
    *prepared = p;
    p->table = true;
    nq_s16_lut_populate(s_in, 0, s_out, 0, expf, p->lut);
    return NQ_OK;
  }
  int l_out;
  if (!checked_log2(s_out, &l_out) || l_out != -15)
    return nq_i8_fail(a, err, "output scale %g, 1/32768 expected (TFLite's int16 %s)", (double)s_out,
                      nq_op_name(op));
  s16_lut_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  p->tanh = op == NQ_OP_TANH;
  int l_in;
  const bool pot = checked_log2(s_in, &l_in);
  const int pot_shift = 12 + l_in;
  if (pot && (pot_shift == 0 || pot_shift == 1))
    return nq_i8_fail(
        a, err,
        "input scale %g is a power of two: TFLite then runs its optimized fixed-point %s, which "
        "npuquant does not reproduce (a scale max|x| / 32767 avoids it)",
        (double)s_in, nq_op_name(op));
  double m = (double)s_in * 4096.0 * 3.0;
  int shift = 0;
  while (m <= 32767.0 / 2.0 && shift <= 30) {
    shift++;
    m *= 2.0;
  }
  /* A scale this large saturates every input: TFLite would overflow int32. */
  if (m >= 2147483647.0)
    return nq_i8_fail(a, err, "input scale %g is too large for the int16 table", (double)s_in);
  p->mult = (int32_t)m;
  p->shift = shift;
  return NQ_OK;
}

/* Arithmetic right shift (floor), as TFLite's >> on int32. */
static inline int32_t asr(int64_t v, int s) {
  return (int32_t)(v >= 0 ? v >> s : -((-v + ((1LL << s) - 1)) >> s));
}

static int16_t s16_logistic(const s16_lut_prep *p, int16_t x) {
  const int32_t round = p->shift > 0 ? 1 << (p->shift - 1) : 0;
  const int32_t v = asr((int64_t)x * p->mult + round, p->shift);
  const uint32_t av = (uint32_t)(v < 0 ? -(int64_t)v : v);
  const uint32_t uh = av >> 9;
  uint32_t r;
  if (uh >= 255) {
    r = 0x7FFFu << 10;
  } else {
    const uint32_t ua = sigmoid_u16[uh], ub = sigmoid_u16[uh + 1];
    r = (ua << 9) + (av & 0x1FFu) * (ub - ua);
  }
  r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1u;
  return (int16_t)(r >> 10);
}

static int16_t s16_tanh(const s16_lut_prep *p, int16_t x) {
  const int32_t round = p->shift > 0 ? 1 << (p->shift - 1) : 0;
  const int32_t v = asr((int64_t)x * p->mult + round, p->shift);
  const uint32_t av = (uint32_t)(v < 0 ? -(int64_t)v : v);
  const uint32_t uh = av >> 8;
  int32_t r;
  if (uh >= 255) {
    r = 0xFFFF << 8;
  } else {
    const uint32_t ua = sigmoid_u16[uh], ub = sigmoid_u16[uh + 1];
    r = (int32_t)((ua << 8) + (av & 0xFFu) * (ub - ua));
  }
  r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
  return (int16_t)asr(r, 8);
}

void nq_s16_lut_range(const void *prepared, const int16_t *x, int16_t *y, size_t n) {
  const s16_lut_prep *p = prepared;
  if (p->table)
    for (size_t i = 0; i < n; i++) y[i] = nq_s16_lut_lookup(x[i], p->lut);
  else if (p->tanh)
    for (size_t i = 0; i < n; i++) y[i] = s16_tanh(p, x[i]);
  else
    for (size_t i = 0; i < n; i++) y[i] = s16_logistic(p, x[i]);
}

nq_status nq_s16_lut_run(const nq_kernel_args *a, nq_error *err) {
  if (!a->prepared) return nq_i8_fail(a, err, "not prepared");
  const size_t n = nq_tview_elems(&a->out[0]);
  if (nq_tview_elems(&a->in[0]) != n)
    return nq_i8_fail(a, err, "input has %zu elements, output %zu", nq_tview_elems(&a->in[0]), n);
  nq_s16_lut_range(a->prepared, a->in[0].data, a->out[0].data, n);
  return NQ_OK;
}
