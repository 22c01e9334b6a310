/*
 * The pieces behind custom ops and `compare --task`, by hand-computed cases:
 *  - the flexbuffer map reader: a map written here byte by byte reads back
 *    (int, float, bool, an indirect float); every truncation and every single
 *    byte changed to each of 4 values gives a value or an error, never a read
 *    outside the buffer (run under ASan);
 *  - TFLite_Detection_PostProcess options: missing and out-of-range keys are
 *    refused by name;
 *  - detection matching: IoU of known boxes, one-to-one greedy matching by
 *    class and IoU >= 0.5 with the counts worked out by hand.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "formats/tflite/flexbuffer.h"
#include "ir/custom_ops.h"
#include "report/detect_match.h"
#include "testutil.h"

static void put(uint8_t *b, size_t *n, uint32_t v, int w) {
  for (int i = 0; i < w; i++) b[(*n)++] = (uint8_t)(v >> (8 * i));
}

/* {"a": int -7, "b": float 2.5, "c": true, "d": indirect float 0.25}, values 1
 * byte wide except the float (a map's values share one width: 4 here). */
static size_t build_map(uint8_t *b) {
  size_t n = 0, key[4];
  const char *names[4] = {"a", "b", "c", "d"};
  for (int i = 0; i < 4; i++) {
    key[i] = n;
    b[n++] = (uint8_t)names[i][0];
    b[n++] = 0;
  }
  const size_t indirect = n; /* the indirect float's 4 bytes */
  float q = 0.25f;
  uint32_t u;
  memcpy(&u, &q, 4);
  put(b, &n, u, 4);
  put(b, &n, 4, 1); /* keys vector: size (width 1), then offsets */
  const size_t keys = n;
  for (int i = 0; i < 4; i++) put(b, &n, (uint32_t)(n - key[i]), 1);
  while (n % 4) b[n++] = 0;
  put(b, &n, (uint32_t)(n - keys), 4); /* map: keys offset, key width, size */
  put(b, &n, 1, 4);
  put(b, &n, 4, 4);
  const size_t values = n;
  put(b, &n, (uint32_t)-7, 4);
  float f = 2.5f;
  memcpy(&u, &f, 4);
  put(b, &n, u, 4);
  put(b, &n, 1, 4);
  put(b, &n, (uint32_t)(n - indirect), 4);
  b[n++] = 1 << 2 | 2;  /* INT */
  b[n++] = 3 << 2 | 2;  /* FLOAT */
  b[n++] = 26 << 2 | 0; /* BOOL */
  b[n++] = 8 << 2 | 2;  /* INDIRECT_FLOAT, 4-byte child */
  put(b, &n, (uint32_t)(n - values), 1);
  b[n++] = 9 << 2 | 2; /* MAP of width 4 */
  b[n++] = 1;
  return n;
}

static void test_flexbuffer(void) {
  uint8_t buf[256];
  size_t n = build_map(buf);
  nq_flex_map m;
  const char *bad = nq_flex_root_map(buf, n, &m);
  CHECKF(bad == NULL, "root map: %s", bad ? bad : "");
  if (bad) return;
  const char *keys[5] = {"a", "b", "c", "d", "e"};
  const double want[4] = {-7, 2.5, 1, 0.25};
  for (int i = 0; i < 5; i++) {
    double v = 0;
    bool found;
    bad = nq_flex_map_number(&m, keys[i], &v, &found);
    CHECKF(!bad && found == (i < 4) && (i == 4 || v == want[i]), "key %s: %s found %d value %g", keys[i],
           bad ? bad : "ok", found, v);
  }
  /* Every truncation, and every byte set to 0, 0x7f, 0x80, 0xff: no read outside. */
  for (size_t k = 0; k < n; k++) {
    uint8_t *cut = malloc(k ? k : 1);
    memcpy(cut, buf + n - k, k); /* the last k bytes: the root stays at the end */
    if (nq_flex_root_map(cut, k, &m) == NULL)
      for (int i = 0; i < 5; i++) {
        double v;
        bool found;
        (void)nq_flex_map_number(&m, keys[i], &v, &found);
      }
    free(cut);
  }
  const uint8_t vals[4] = {0, 0x7f, 0x80, 0xff};
  int refused = 0;
  for (size_t k = 0; k < n; k++)
    for (int j = 0; j < 4; j++) {
      uint8_t *mut = malloc(n);
      memcpy(mut, buf, n);
      mut[k] = vals[j];
      if (nq_flex_root_map(mut, n, &m) != NULL) {
        refused++;
      } else {
        for (int i = 0; i < 5; i++) {
          double v;
          bool found;
          (void)nq_flex_map_number(&m, keys[i], &v, &found);
        }
      }
      free(mut);
    }
  CHECKF(refused > 0, "no mutant refused (%d)", refused);
  CHECK(nq_flex_root_map(NULL, 0, &m) != NULL);
}

static void test_postprocess_options(void) {
  uint8_t buf[256];
  size_t n = build_map(buf);
  nq_dpp_options o;
  char why[256];
  CHECK(!nq_dpp_parse_options(buf, n, &o, why, sizeof why));
  CHECKF(strstr(why, "option 'max_detections' is missing") != NULL, "why: %s", why);
  CHECK(!nq_dpp_parse_options(buf, 2, &o, why, sizeof why));
  CHECKF(strstr(why, "not a flexbuffer map") != NULL, "why: %s", why);
}

static nq_detection det(float y0, float x0, float y1, float x1, int cls, float score) {
  nq_detection d = {y0, x0, y1, x1, cls, score};
  return d;
}

static void test_matching(void) {
  /* IoU of [0,0,2,2] and [1,1,3,3]: 1 / (4 + 4 - 1) = 1/7 */
  nq_detection a = det(0, 0, 2, 2, 0, 1), b = det(1, 1, 3, 3, 0, 1), c = det(0, 0, 2, 1, 0, 1);
  CHECK(fabsf(nq_box_iou(&a, &b) - 1.0f / 7) < 1e-6f);
  CHECK(fabsf(nq_box_iou(&a, &c) - 0.5f) < 1e-6f); /* half of a: exactly 0.5, a match */
  nq_detection empty = det(1, 1, 1, 3, 0, 1);
  CHECK(nq_box_iou(&a, &empty) == 0.0f);
  /* ref: two class-0 boxes and one class-1 box; test: one box overlapping both
   * class-0 boxes (taken by the better-scored one), the class-1 box with the
   * wrong class, and a far box. One to one: 1 match. */
  nq_detection ref[3] = {det(0, 0, 2, 2, 0, 0.6f), det(0, 0, 2, 2.2f, 0, 0.9f), det(5, 5, 6, 6, 1, 0.8f)};
  nq_detection test[3] = {det(0, 0, 2, 2.1f, 0, 0.7f), det(5, 5, 6, 6, 2, 0.8f), det(8, 8, 9, 9, 0, 0.5f)};
  double iou_sum = 0;
  CHECK(nq_match_detections(ref, 3, test, 3, 0.5f, &iou_sum) == 1);
  /* the 0.9 reference took it: IoU [0,0,2,2.2] vs [0,0,2,2.1] = 4.2 / 4.4 */
  CHECKF(fabs(iou_sum - 4.2 / 4.4) < 1e-6, "iou %g", iou_sum);
  CHECK(nq_match_detections(ref, 0, test, 3, 0.5f, NULL) == 0);
  CHECK(nq_match_detections(ref, 3, test, 0, 0.5f, NULL) == 0);
}

/* NMS: best score first, ties in input order (the first of two equal-score
 * overlapping boxes survives, whatever the libc), per class or not. */
static void test_nms(void) {
  enum { N = 40 };
  nq_detection d[N];
  /* 40 copies of one box, all at score 0.5 but the 7th (0.9); class i % 2;
   * x1 encodes the index so the survivor can be told */
  for (int i = 0; i < N; i++) d[i] = det(0, 0, 2, 2 + 0.001f * (float)i, i % 2, i == 7 ? 0.9f : 0.5f);
  nq_detection e[N];
  memcpy(e, d, sizeof d);
  CHECK(nq_detections_nms(d, N, 0.45f, false, 300) == 1);
  CHECKF(fabsf(d[0].x1 - 2.007f) < 1e-6f, "the best-scored box survives, got x1 %g", (double)d[0].x1);
  /* per class: the 0.9 box (class 1) and the first class-0 box at 0.5 */
  CHECK(nq_detections_nms(e, N, 0.45f, true, 300) == 2);
  CHECKF(fabsf(e[0].x1 - 2.007f) < 1e-6f && fabsf(e[1].x1 - 2.0f) < 1e-6f,
         "survivors x1 %g %g (expected 2.007 then 2, the first of the ties)", (double)e[0].x1,
         (double)e[1].x1);
  /* disjoint boxes: all kept, sorted, capped at max_keep */
  for (int i = 0; i < N; i++) d[i] = det(0, 3.0f * (float)i, 2, 3.0f * (float)i + 2, 0, (float)(i % 5));
  CHECK(nq_detections_nms(d, N, 0.45f, true, 12) == 12);
  bool sorted = true;
  for (int i = 1; i < 12; i++)
    sorted =
        sorted && (d[i - 1].score > d[i].score || (d[i - 1].score == d[i].score && d[i - 1].x0 < d[i].x0));
  CHECKF(sorted, "kept detections sorted by score, ties in input order");
  CHECK(nq_detections_nms(d, 0, 0.45f, true, 12) == 0);
}

int main(void) {
  test_flexbuffer();
  test_nms();
  test_postprocess_options();
  test_matching();
  return nq_test_finish("test_custom_ops");
}
