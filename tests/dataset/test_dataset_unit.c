/*
 * Unit checks for the data set building blocks that need no fixtures:
 * the SplitMix64 generator against its published test vector, resize filter
 * weights against hand-derived values, option parsing, the preprocessing
 * affine maps, and BMP edge cases built in memory.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calib/dataset.h"
#include "calib/image_decode.h"
#include "calib/image_resize.h"
#include "calib/preprocess.h"
#include "testutil.h"

static void test_splitmix(void) {
  /* First outputs for seed 1234567, as published with the algorithm (and
   * produced by Java's SplittableRandom). */
  static const uint64_t want[5] = {6457827717110365317ull, 3203168211198807973ull, 9817491932198370423ull,
                                   4593380528125082431ull, 16408922859458223821ull};
  uint64_t st = 1234567;
  for (int i = 0; i < 5; i++) CHECKF(nq_splitmix64(&st) == want[i], "splitmix output %d", i);
  st = 99;
  int seen[7] = {0};
  for (int i = 0; i < 7000; i++) {
    uint64_t r = nq_splitmix64_below(&st, 7);
    CHECK(r < 7);
    if (r < 7) seen[r]++;
  }
  for (int i = 0; i < 7; i++) CHECKF(seen[i] > 850 && seen[i] < 1150, "bucket %d: %d", i, seen[i]);
}

static float weight_of(const nq_filter *f, int k, int i) {
  int j = i - f->start[k];
  return j >= 0 && j < f->taps[k] ? f->weight[(size_t)k * (size_t)f->max_taps + (size_t)j] : 0.0f;
}

static void test_filters(void) {
  nq_error err = {0};
  nq_filter f;
  /* Identity: each output takes exactly its input. */
  CHECK(nq_filter_build(5, 5, 0, 5, 1, &f, &err) == NQ_OK);
  for (int k = 0; k < 5; k++) CHECK(f.taps[k] == 1 && f.start[k] == k && f.weight[k * f.max_taps] == 1.0f);
  nq_filter_free(&f);
  /* 2x reduction without antialiasing: centre at 2k + 1, inputs 2k and 2k+1 at 0.5 each. */
  CHECK(nq_filter_build(8, 4, 0, 4, 0, &f, &err) == NQ_OK);
  for (int k = 0; k < 4; k++)
    CHECKF(fabsf(weight_of(&f, k, 2 * k) - 0.5f) < 1e-6f && fabsf(weight_of(&f, k, 2 * k + 1) - 0.5f) < 1e-6f,
           "2x bilinear output %d", k);
  nq_filter_free(&f);
  /* 4x reduction with antialiasing: support 4 around c = 4k + 2, weights
   * 1 - |i + 0.5 - c| / 4 for i = 4k-1 .. 4k+4: 1/8 3/8 5/8 7/8 7/8 5/8 3/8 1/8 (sum 4). */
  CHECK(nq_filter_build(16, 4, 0, 4, 1, &f, &err) == NQ_OK);
  static const float tri[8] = {1, 3, 5, 7, 7, 5, 3, 1};
  for (int j = 0; j < 8; j++) {
    int i = 4 * 1 - 2 + j; /* output k = 1: inputs 2..9 */
    CHECKF(fabsf(weight_of(&f, 1, i) - tri[j] / 32.0f) < 1e-6f, "aa weight at %d", i);
  }
  /* Border output k = 0 (c = 2): inputs -2, -1 are dropped, 0..5 renormalised (sum 28/8). */
  CHECKF(fabsf(weight_of(&f, 0, 0) - 5.0f / 28.0f) < 1e-6f, "aa border weight");
  nq_filter_free(&f);
  /* 2x enlargement: outputs at 0.25 and 0.75 between input centres. */
  CHECK(nq_filter_build(3, 6, 0, 6, 1, &f, &err) == NQ_OK);
  CHECK(fabsf(weight_of(&f, 2, 0) - 0.25f) < 1e-6f && fabsf(weight_of(&f, 2, 1) - 0.75f) < 1e-6f);
  CHECK(fabsf(weight_of(&f, 0, 0) - 1.0f) < 1e-6f); /* clamped at the border */
  nq_filter_free(&f);
  /* Window of a larger resize (crop): same weights as the full filter. */
  nq_filter full, win;
  CHECK(nq_filter_build(37, 20, 0, 20, 1, &full, &err) == NQ_OK);
  CHECK(nq_filter_build(37, 20, 6, 8, 1, &win, &err) == NQ_OK);
  for (int k = 0; k < 8; k++)
    for (int i = 0; i < 37; i++) CHECK(weight_of(&win, k, i) == weight_of(&full, k + 6, i));
  nq_filter_free(&full);
  nq_filter_free(&win);
  CHECK(nq_filter_build(10, 5, 3, 4, 1, &f, &err) == NQ_ERR_INVALID_ARG);
}

static void test_options(void) {
  nq_error err = {0};
  float v[4];
  int n;
  CHECK(nq_parse_float_list("1.5,2,-3", "--mean", v, 4, &n, &err) == NQ_OK && n == 3 && v[0] == 1.5f &&
        v[1] == 2.0f && v[2] == -3.0f);
  CHECK(nq_parse_float_list("127.5", "--std", v, 4, &n, &err) == NQ_OK && n == 1 && v[3] == 127.5f);
  CHECK(nq_parse_float_list("1,,2", "--mean", v, 4, &n, &err) == NQ_ERR_INVALID_ARG &&
        strstr(err.msg, "--mean"));
  CHECK(nq_parse_float_list("nan", "--std", v, 4, &n, &err) == NQ_ERR_INVALID_ARG);
  CHECK(nq_parse_float_list("1,2,3,4,5", "--std", v, 4, &n, &err) == NQ_ERR_INVALID_ARG);

  nq_preprocess pp;
  nq_preprocess_default(&pp);
  float a, b;
  nq_preprocess_affine(&pp, 0, &a, &b);
  CHECK(a == 1.0f && b == 0.0f);
  CHECK(nq_preprocess_set_range(&pp, "-1..1", &err) == NQ_OK);
  nq_preprocess_affine(&pp, 2, &a, &b);
  CHECK(fabsf(0 * a + b + 1) < 1e-6f && fabsf(255 * a + b - 1) < 1e-6f);
  CHECK(nq_preprocess_set_range(&pp, "0..1", &err) == NQ_OK);
  nq_preprocess_affine(&pp, 1, &a, &b);
  CHECK(fabsf(255 * a + b - 1) < 1e-6f && b == 0.0f);
  CHECK(nq_preprocess_set_range(&pp, "0..2", &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "0..2"));
  pp.norm = NQ_NORM_MEAN_STD;
  pp.mean[1] = 100, pp.std[1] = 50;
  nq_preprocess_affine(&pp, 1, &a, &b);
  CHECK(fabsf(150 * a + b - 1) < 1e-6f && fabsf(50 * a + b + 1) < 1e-6f);
  CHECK(nq_preprocess_check(&pp, 3, "x", &err) == NQ_OK);
  pp.std[2] = 0;
  CHECK(nq_preprocess_check(&pp, 3, "x", &err) == NQ_ERR_INVALID_ARG);
  CHECK(nq_preprocess_check(&pp, 2, "x", &err) == NQ_ERR_SHAPE);

  /* The CLI spellings. */
  nq_preprocess_default(&pp);
  CHECK(nq_preprocess_set(&pp, "resize", "crop", &err) == NQ_OK && pp.resize == NQ_RESIZE_CROP);
  CHECK(nq_preprocess_set(&pp, "color", "bgr", &err) == NQ_OK && pp.color == NQ_COLOR_BGR);
  CHECK(nq_preprocess_set(&pp, "antialias", "off", &err) == NQ_OK && pp.antialias == 0);
  CHECK(nq_preprocess_set(&pp, "color", "rgba", &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "rgba"));
  CHECK(nq_preprocess_set(&pp, "resize", "fit", &err) == NQ_ERR_INVALID_ARG);
  CHECK(nq_preprocess_set(&pp, "mean", "1,2,3", &err) == NQ_OK && pp.norm == NQ_NORM_MEAN_STD &&
        pp.mean[2] == 3.0f && pp.std[2] == 1.0f);
  CHECK(nq_preprocess_set(&pp, "scale", "2", &err) == NQ_ERR_INVALID_ARG &&
        strstr(err.msg, "cannot be combined"));
  CHECK(nq_preprocess_set(&pp, "range", "0..1", &err) == NQ_ERR_INVALID_ARG);
  nq_preprocess_default(&pp);
  CHECK(nq_preprocess_set(&pp, "offset", "-3", &err) == NQ_OK && pp.norm == NQ_NORM_SCALE_OFFSET &&
        pp.scale == 1.0f && pp.offset == -3.0f);
  CHECK(nq_preprocess_set(&pp, "std", "2", &err) == NQ_ERR_INVALID_ARG);
  CHECK(nq_preprocess_set(&pp, "gamma", "2", &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "gamma"));
}

/* A 2x2 8-bit BMP with a 2-colour palette. */
static size_t make_bmp8(unsigned char *b, uint8_t idx_bad) {
  memset(b, 0, 80);
  b[0] = 'B', b[1] = 'M';
  b[10] = 14 + 40 + 8;         /* pixel offset */
  b[14] = 40;                  /* DIB size */
  b[18] = 2, b[22] = 2;        /* 2 x 2 */
  b[26] = 1, b[28] = 8;        /* planes, bpp */
  b[46] = 2;                   /* colours used */
  unsigned char *pal = b + 54; /* B,G,R,0 */
  pal[0] = 10, pal[1] = 20, pal[2] = 30;
  pal[4] = 200, pal[5] = 100, pal[6] = 50;
  unsigned char *px = b + 62; /* rows of 4 bytes, bottom row first */
  px[0] = 0, px[1] = 1;       /* bottom row */
  px[4] = 1, px[5] = idx_bad; /* top row */
  return 70;
}

static void test_bmp(void) {
  unsigned char b[80];
  nq_error err = {0};
  nq_image img;
  size_t n = make_bmp8(b, 0);
  CHECK(nq_image_decode_mem(b, n, "t.bmp", &img, &err) == NQ_OK);
  if (img.data) {
    CHECK(img.width == 2 && img.height == 2 && img.channels == 3);
    /* top-left = index 1 = RGB(50,100,200); bottom-left = index 0 = RGB(30,20,10) */
    CHECK(img.data[0] == 50 && img.data[1] == 100 && img.data[2] == 200);
    CHECK(img.data[6] == 30 && img.data[7] == 20 && img.data[8] == 10);
    nq_image_free(&img);
  }
  n = make_bmp8(b, 7);
  CHECK(nq_image_decode_mem(b, n, "t.bmp", &img, &err) == NQ_ERR_FORMAT &&
        strstr(err.msg, "palette index 7") && img.data == NULL);
  /* Every truncation fails cleanly; from 68 bytes on only the last row's padding is missing. */
  for (size_t cut = 0; cut < 68; cut++) {
    nq_status s = nq_image_decode_mem(b, cut, "t.bmp", &img, &err);
    CHECKF(s != NQ_OK && err.msg[0], "truncated to %zu", cut);
  }
  CHECK(nq_image_decode_mem("GIF89a", 6, "t.gif", &img, &err) == NQ_ERR_FORMAT && strstr(err.msg, "t.gif"));
}

int main(void) {
  test_splitmix();
  test_filters();
  test_options();
  test_bmp();
  return nq_test_finish("test_dataset_unit");
}
