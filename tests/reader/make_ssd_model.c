/*
 * Writes a small float SSD-style detector ending in TFLite_Detection_PostProcess
 * for test_detection_postprocess.py (../shared has no float model with the op):
 *
 *   make_ssd_model OUT.tflite fast|regular|yolo
 *
 * image [1, 8, 8, 3] -> CONV_2D 3x3 (8, relu) -> two 1x1 heads: box encodings
 * RESHAPE [1, 128, 4] and class logits RESHAPE [1, 128, 4] -> LOGISTIC
 * (background + 3 classes); 128 anchors (2 per cell of the 8x8 grid) as a
 * float constant [128, 4]; the custom op's options are a flexbuffer map
 * written here by hand (the test reads it back with the flatbuffers
 * package's own flexbuffers decoder). `yolo` writes a YOLO-style head
 * instead: [1, 128, 8] = sigmoid(logits) x (64, 64, 64, 64, 1, 1, 1, 1), box
 * centre and size in pixels of a 64-pixel image, objectness, 3 class scores
 * (for compare --task detect). Weights come from a fixed LCG, so the file is
 * the same on every run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/graph.h"
#include "writers/tflite/tflite_write.h"

#define GRID 8
#define ANCHORS_PER_CELL 2
#define N_ANCHORS (GRID * GRID * ANCHORS_PER_CELL)
#define CLASSES 3

static uint32_t lcg = 12345;
static float rnd(float scale) {
  lcg = lcg * 1664525u + 1013904223u;
  return ((float)(lcg >> 8) / 16777216.0f * 2.0f - 1.0f) * scale;
}

/* ---- a flexbuffer map of scalars, every width 4 (keys sorted by strcmp, as
 * flexbuffer maps must be for their binary-searching readers) ---- */
typedef struct entry {
  const char *key;
  int type; /* 1 INT, 3 FLOAT, 26 BOOL */
  double v;
} entry;

static void put32(uint8_t *b, size_t *n, uint32_t v) {
  for (int i = 0; i < 4; i++) b[(*n)++] = (uint8_t)(v >> (8 * i));
}

static size_t flex_map(const entry *e, int count, uint8_t *b) {
  size_t n = 0, key_at[32];
  for (int i = 0; i < count; i++) {
    key_at[i] = n;
    memcpy(b + n, e[i].key, strlen(e[i].key) + 1);
    n += strlen(e[i].key) + 1;
  }
  while (n % 4) b[n++] = 0;
  put32(b, &n, (uint32_t)count); /* keys vector: size, then offsets back to each key */
  const size_t keys = n;
  for (int i = 0; i < count; i++) put32(b, &n, (uint32_t)(n - key_at[i]));
  put32(b, &n, (uint32_t)(n - keys)); /* map prefix: keys offset, key width, size */
  put32(b, &n, 4);
  put32(b, &n, (uint32_t)count);
  const size_t values = n;
  for (int i = 0; i < count; i++) {
    uint32_t u;
    if (e[i].type == 3) {
      float f = (float)e[i].v;
      memcpy(&u, &f, 4);
    } else {
      u = (uint32_t)(int32_t)e[i].v;
    }
    put32(b, &n, u);
  }
  for (int i = 0; i < count; i++) b[n++] = (uint8_t)(e[i].type << 2 | 2);
  put32(b, &n, (uint32_t)(n - values)); /* root: offset to the map, its packed type, width */
  b[n++] = 9 << 2 | 2;
  b[n++] = 4;
  return n;
}

static int tensor(nq_graph *g, const char *name, int rank, const int32_t *shape, const float *data) {
  nq_error e;
  int t = nq_graph_add_tensor(g, name, data ? NQ_FLOAT32 : NQ_FLOAT32, rank, shape, &e);
  if (t >= 0 && data) {
    size_t n = 1;
    for (int d = 0; d < rank; d++) n *= (size_t)shape[d];
    if (nq_tensor_copy_data(g, t, data, n * sizeof(float), &e) != NQ_OK) return -1;
  }
  return t;
}

static int i32_const(nq_graph *g, const char *name, int n, const int32_t *v) {
  nq_error e;
  const int32_t shape[1] = {n};
  int t = nq_graph_add_tensor(g, name, NQ_INT32, 1, shape, &e);
  if (t >= 0 && nq_tensor_copy_data(g, t, v, sizeof(int32_t) * (size_t)n, &e) != NQ_OK) return -1;
  return t;
}

static int conv(nq_graph *g, const char *name, int x, int cin, int cout, int k, nq_activation act,
                float wscale) {
  nq_error e;
  char nm[64];
  float *w = malloc(sizeof(float) * (size_t)(cout * k * k * cin)), b[64];
  for (int i = 0; i < cout * k * k * cin; i++) w[i] = rnd(wscale);
  for (int i = 0; i < cout; i++) b[i] = rnd(0.2f);
  const int32_t ws[4] = {cout, k, k, cin}, bs[1] = {cout}, ys[4] = {1, GRID, GRID, cout};
  snprintf(nm, sizeof nm, "%s/weights", name);
  int wt = tensor(g, nm, 4, ws, w);
  snprintf(nm, sizeof nm, "%s/bias", name);
  int bt = tensor(g, nm, 1, bs, b);
  int y = tensor(g, name, 4, ys, NULL);
  free(w);
  nq_op_params p = nq_op_params_default();
  p.padding = NQ_PAD_SAME;
  p.act = act;
  const int in[3] = {x, wt, bt};
  if (nq_graph_add_node(g, NQ_OP_CONV_2D, name, 3, in, 1, &y, &p, &e) < 0) return -1;
  return y;
}

int main(int argc, char **argv) {
  if (argc != 3 ||
      (strcmp(argv[2], "fast") != 0 && strcmp(argv[2], "regular") != 0 && strcmp(argv[2], "yolo") != 0)) {
    fprintf(stderr, "usage: make_ssd_model OUT.tflite fast|regular|yolo\n");
    return 2;
  }
  nq_graph *g = nq_graph_new();
  nq_error e;
  const int32_t xs[4] = {1, GRID, GRID, 3};
  int x = tensor(g, "image", 4, xs, NULL);
  int f = conv(g, "features", x, 3, 8, 3, NQ_ACT_RELU, 0.5f);
  if (strcmp(argv[2], "yolo") == 0) {
    int head = conv(g, "yolo_head", f, 8, ANCHORS_PER_CELL * 8, 1, NQ_ACT_NONE, 0.8f);
    const int32_t rs[3] = {1, N_ANCHORS, 8}, one8[1] = {8};
    const float px[8] = {64, 64, 64, 64, 1, 1, 1, 1};
    int shape = i32_const(g, "yolo_shape", 3, rs), logits = tensor(g, "yolo_logits", 3, rs, NULL),
        sig = tensor(g, "yolo_sigmoid", 3, rs, NULL), scale = tensor(g, "yolo_scale", 1, one8, px),
        out = tensor(g, "detections", 3, rs, NULL);
    nq_op_params q = nq_op_params_default();
    const int r[2] = {head, shape}, m[2] = {sig, scale};
    nq_graph_add_node(g, NQ_OP_RESHAPE, "yolo_logits", 2, r, 1, &logits, &q, &e);
    nq_graph_add_node(g, NQ_OP_LOGISTIC, "yolo_sigmoid", 1, &logits, 1, &sig, &q, &e);
    nq_graph_add_node(g, NQ_OP_MUL, "detections", 2, m, 1, &out, &q, &e);
    if (nq_graph_set_io(g, 1, &x, 1, &out, &e) != NQ_OK ||
        nq_tflite_write_file(g, argv[1], NULL, &e) != NQ_OK) {
      fprintf(stderr, "make_ssd_model: %s\n", e.msg);
      nq_graph_free(g);
      return 1;
    }
    nq_graph_free(g);
    return 0;
  }
  int bh = conv(g, "box_head", f, 8, ANCHORS_PER_CELL * 4, 1, NQ_ACT_NONE, 0.4f);
  int ch = conv(g, "class_head", f, 8, ANCHORS_PER_CELL * (CLASSES + 1), 1, NQ_ACT_NONE, 0.8f);
  const int32_t enc[3] = {1, N_ANCHORS, 4}, cls[3] = {1, N_ANCHORS, CLASSES + 1};
  int enc_shape = i32_const(g, "box_shape", 3, enc), cls_shape = i32_const(g, "class_shape", 3, cls);
  int boxes = tensor(g, "box_encodings", 3, enc, NULL), logits = tensor(g, "class_logits", 3, cls, NULL),
      scores = tensor(g, "class_scores", 3, cls, NULL);
  nq_op_params p = nq_op_params_default();
  const int r1[2] = {bh, enc_shape}, r2[2] = {ch, cls_shape};
  nq_graph_add_node(g, NQ_OP_RESHAPE, "box_encodings", 2, r1, 1, &boxes, &p, &e);
  nq_graph_add_node(g, NQ_OP_RESHAPE, "class_logits", 2, r2, 1, &logits, &p, &e);
  nq_graph_add_node(g, NQ_OP_LOGISTIC, "class_scores", 1, &logits, 1, &scores, &p, &e);

  float anchors[N_ANCHORS * 4];
  for (int i = 0, a = 0; i < GRID; i++)
    for (int j = 0; j < GRID; j++)
      for (int k = 0; k < ANCHORS_PER_CELL; k++, a++) {
        anchors[4 * a] = ((float)i + 0.5f) / GRID;
        anchors[4 * a + 1] = ((float)j + 0.5f) / GRID;
        anchors[4 * a + 2] = k == 0 ? 0.25f : 0.35f;
        anchors[4 * a + 3] = k == 0 ? 0.25f : 0.2f;
      }
  const int32_t as[2] = {N_ANCHORS, 4};
  int anc = tensor(g, "anchors", 2, as, anchors);

  const bool regular = strcmp(argv[2], "regular") == 0;
  const int max_det = 6, per_det = regular ? 1 : 2;
  const entry opts[] = {
      {"detections_per_class", 1, 4},
      {"h_scale", 3, 5.0},
      {"max_classes_per_detection", 1, per_det},
      {"max_detections", 1, max_det},
      {"nms_iou_threshold", 3, 0.5},
      {"nms_score_threshold", 3, 0.3},
      {"num_classes", 1, CLASSES},
      {"use_regular_nms", 26, regular},
      {"w_scale", 3, 5.0},
      {"x_scale", 3, 10.0},
      {"y_scale", 3, 10.0},
  };
  uint8_t flex[1024];
  size_t flex_n = flex_map(opts, (int)(sizeof opts / sizeof opts[0]), flex);
  const int32_t ob[3] = {1, max_det * per_det, 4}, oc[2] = {1, max_det * per_det}, on[1] = {1};
  int outs[4] = {tensor(g, "detection_boxes", 3, ob, NULL), tensor(g, "detection_classes", 2, oc, NULL),
                 tensor(g, "detection_scores", 2, oc, NULL), tensor(g, "num_detections", 1, on, NULL)};
  p.custom_name = "TFLite_Detection_PostProcess";
  p.custom_options = flex;
  p.custom_options_size = flex_n;
  const int pin[3] = {boxes, scores, anc};
  if (nq_graph_add_node(g, NQ_OP_CUSTOM, "TFLite_Detection_PostProcess", 3, pin, 4, outs, &p, &e) < 0 ||
      nq_graph_set_io(g, 1, &x, 4, outs, &e) != NQ_OK ||
      nq_tflite_write_file(g, argv[1], NULL, &e) != NQ_OK) {
    fprintf(stderr, "make_ssd_model: %s\n", e.msg);
    nq_graph_free(g);
    return 1;
  }
  nq_graph_free(g);
  return 0;
}
