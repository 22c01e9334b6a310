/*
 * TFLite_Detection_PostProcess, the custom op that ends TensorFlow's SSD
 * detectors: box decoding against anchors and non-maximum suppression
 * (TFLite's kernels/detection_postprocess.cc is what it must agree with).
 *
 * Inputs: box encodings [1, N, >= 4] (ty, tx, th, tw per anchor), class
 * scores [1, N, C + offset] (the first `offset` columns, the background,
 * are skipped), anchors [N, 4] (ycenter, xcenter, h, w); float32 or
 * per-tensor uint8/int8 (dequantized first). Outputs, float32: boxes
 * [1, M, 4] (ymin, xmin, ymax, xmax), classes [1, M], scores [1, M] and the
 * number of detections [1], M = max_detections * max_classes_per_detection.
 */
#ifndef NQ_EXEC_FLOAT_DETECTION_POSTPROCESS_H
#define NQ_EXEC_FLOAT_DETECTION_POSTPROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exec/kernel.h"
#include "ir/custom_ops.h"

nq_status nq_dpp_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
size_t nq_dpp_scratch(const nq_kernel_args *a);
nq_status nq_dpp_run(const nq_kernel_args *a, nq_error *err);

#endif
