/*
 * The custom ops npuquant knows by name, and their facts that more than the
 * kernel needs (the shape inference, the quantizer, the reports): today
 * TFLite_Detection_PostProcess, whose options are a flexbuffer map.
 */
#ifndef NQ_IR_CUSTOM_OPS_H
#define NQ_IR_CUSTOM_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/graph.h"

#define NQ_DPP_NAME "TFLite_Detection_PostProcess"
#define NQ_DPP_MAX_DETECTIONS (1 << 16)

typedef struct nq_dpp_options {
  int max_detections, max_classes_per_detection, detections_per_class, num_classes;
  bool use_regular_nms;
  float score_threshold, iou_threshold;
  float y_scale, x_scale, h_scale, w_scale;
} nq_dpp_options;

/* Node n is a CUSTOM TFLite_Detection_PostProcess. */
bool nq_is_detection_postprocess(const nq_node *n);

/* Parse and check the op's flexbuffer options; false with the reason in
 * `why` when they are malformed, missing or out of range. */
bool nq_dpp_parse_options(const uint8_t *opts, size_t size, nq_dpp_options *o, char *why, size_t why_size);

#endif
