/*
 * The Keras layer table: every layer class the translator knows, in strcmp
 * order, with its translator (kr_tr_* in keras_layers_conv.c, _misc.c,
 * _shape.c, keras_layer_norm.c) and what it is told: the IR op it produces,
 * the rank of the 1-D/2-D variants and a flag. call_layer (keras_model.c)
 * finds a layer's class here by binary search; model classes (Sequential,
 * Functional, Model) are handled before. tests/ops/test_frontend_tables.c
 * checks the order.
 */
#include "frontends/keras/keras_internal.h"
#include "frontends/name_table.h"

/* Sorted by strcmp (uppercase before lowercase), each name once. op is the
 * IR op the translation produces (kr_tr_merge and kr_tr_leaky_relu emit
 * exactly it; the others choose themselves and op names their main result,
 * for docs/ops.md), NQ_OP_COUNT when it produces several ops (SeparableConv2D,
 * LayerNormalization, Normalization) or none (Dropout & co.); also, a
 * variant it may emit instead (UpSampling2D bilinear, ReLU with max_value
 * 6), only read by docs/ops.md. rank 1 or 2
 * picks the 1-D or 2-D variant; flag: max pooling, separable, cropping,
 * Average. */
static const kr_layer_entry kr_layers[] = {
    {"Activation", kr_tr_activation, NQ_OP_COUNT, NQ_OP_COUNT, 0, false},
    {"ActivityRegularization", kr_tr_identity, NQ_OP_COUNT, NQ_OP_COUNT, 0, false},
    {"Add", kr_tr_merge, NQ_OP_ADD, NQ_OP_COUNT, 0, false},
    {"AlphaDropout", kr_tr_identity, NQ_OP_COUNT, NQ_OP_COUNT, 0, false},
    {"Average", kr_tr_merge, NQ_OP_ADD, NQ_OP_COUNT, 0, true},
    {"AveragePooling1D", kr_tr_pool, NQ_OP_AVERAGE_POOL_2D, NQ_OP_COUNT, 1, false},
    {"AveragePooling2D", kr_tr_pool, NQ_OP_AVERAGE_POOL_2D, NQ_OP_COUNT, 2, false},
    {"AvgPool1D", kr_tr_pool, NQ_OP_AVERAGE_POOL_2D, NQ_OP_COUNT, 1, false},
    {"AvgPool2D", kr_tr_pool, NQ_OP_AVERAGE_POOL_2D, NQ_OP_COUNT, 2, false},
    {"BatchNormalization", kr_tr_batchnorm, NQ_OP_COUNT, NQ_OP_COUNT, 0, false},
    {"Concatenate", kr_tr_concat, NQ_OP_CONCATENATION, NQ_OP_COUNT, 0, false},
    {"Conv1D", kr_tr_conv, NQ_OP_CONV_2D, NQ_OP_COUNT, 1, false},
    {"Conv2D", kr_tr_conv, NQ_OP_CONV_2D, NQ_OP_COUNT, 2, false},
    {"Conv2DTranspose", kr_tr_conv_transpose, NQ_OP_TRANSPOSE_CONV, NQ_OP_COUNT, 0, false},
    {"Convolution1D", kr_tr_conv, NQ_OP_CONV_2D, NQ_OP_COUNT, 1, false},
    {"Convolution2D", kr_tr_conv, NQ_OP_CONV_2D, NQ_OP_COUNT, 2, false},
    {"Cropping1D", kr_tr_pad_crop, NQ_OP_SLICE, NQ_OP_COUNT, 1, true},
    {"Cropping2D", kr_tr_pad_crop, NQ_OP_SLICE, NQ_OP_COUNT, 2, true},
    {"Deconvolution2D", kr_tr_conv_transpose, NQ_OP_TRANSPOSE_CONV, NQ_OP_COUNT, 0, false},
    {"Dense", kr_tr_dense, NQ_OP_FULLY_CONNECTED, NQ_OP_COUNT, 0, false},
    {"DepthwiseConv2D", kr_tr_depthwise, NQ_OP_DEPTHWISE_CONV_2D, NQ_OP_COUNT, 0, false},
    {"Dropout", kr_tr_identity, NQ_OP_COUNT, NQ_OP_COUNT, 0, false},
    {"ELU", kr_tr_elu, NQ_OP_ELU, NQ_OP_COUNT, 0, false},
    {"Flatten", kr_tr_flatten, NQ_OP_RESHAPE, NQ_OP_COUNT, 0, false},
    {"GaussianDropout", kr_tr_identity, NQ_OP_COUNT, NQ_OP_COUNT, 0, false},
    {"GaussianNoise", kr_tr_identity, NQ_OP_COUNT, NQ_OP_COUNT, 0, false},
    {"GlobalAveragePooling1D", kr_tr_global_pool, NQ_OP_MEAN, NQ_OP_COUNT, 1, false},
    {"GlobalAveragePooling2D", kr_tr_global_pool, NQ_OP_MEAN, NQ_OP_COUNT, 2, false},
    {"GlobalAvgPool2D", kr_tr_global_pool, NQ_OP_MEAN, NQ_OP_COUNT, 2, false},
    {"GlobalMaxPool2D", kr_tr_global_pool, NQ_OP_REDUCE_MAX, NQ_OP_COUNT, 2, true},
    {"GlobalMaxPooling1D", kr_tr_global_pool, NQ_OP_REDUCE_MAX, NQ_OP_COUNT, 1, true},
    {"GlobalMaxPooling2D", kr_tr_global_pool, NQ_OP_REDUCE_MAX, NQ_OP_COUNT, 2, true},
    {"LayerNormalization", kr_tr_layernorm, NQ_OP_COUNT, NQ_OP_COUNT, 0, false},
    {"LeakyReLU", kr_tr_leaky_relu, NQ_OP_LEAKY_RELU, NQ_OP_COUNT, 0, false},
    {"MaxPool1D", kr_tr_pool, NQ_OP_MAX_POOL_2D, NQ_OP_COUNT, 1, true},
    {"MaxPool2D", kr_tr_pool, NQ_OP_MAX_POOL_2D, NQ_OP_COUNT, 2, true},
    {"MaxPooling1D", kr_tr_pool, NQ_OP_MAX_POOL_2D, NQ_OP_COUNT, 1, true},
    {"MaxPooling2D", kr_tr_pool, NQ_OP_MAX_POOL_2D, NQ_OP_COUNT, 2, true},
    {"Maximum", kr_tr_merge, NQ_OP_MAXIMUM, NQ_OP_COUNT, 0, false},
    {"Minimum", kr_tr_merge, NQ_OP_MINIMUM, NQ_OP_COUNT, 0, false},
    {"Multiply", kr_tr_merge, NQ_OP_MUL, NQ_OP_COUNT, 0, false},
    {"Normalization", kr_tr_normalization, NQ_OP_COUNT, NQ_OP_COUNT, 0, false},
    {"PReLU", kr_tr_prelu, NQ_OP_PRELU, NQ_OP_COUNT, 0, false},
    {"Permute", kr_tr_permute, NQ_OP_TRANSPOSE, NQ_OP_COUNT, 0, false},
    {"ReLU", kr_tr_relu, NQ_OP_RELU, NQ_OP_RELU6, 0, false},
    {"Rescaling", kr_tr_rescaling, NQ_OP_COUNT, NQ_OP_COUNT, 0, false},
    {"Reshape", kr_tr_reshape, NQ_OP_RESHAPE, NQ_OP_COUNT, 0, false},
    {"SeparableConv2D", kr_tr_depthwise, NQ_OP_COUNT, NQ_OP_COUNT, 0, true},
    {"SeparableConvolution2D", kr_tr_depthwise, NQ_OP_COUNT, NQ_OP_COUNT, 0, true},
    {"Softmax", kr_tr_softmax, NQ_OP_SOFTMAX, NQ_OP_COUNT, 0, false},
    {"SpatialDropout1D", kr_tr_identity, NQ_OP_COUNT, NQ_OP_COUNT, 0, false},
    {"SpatialDropout2D", kr_tr_identity, NQ_OP_COUNT, NQ_OP_COUNT, 0, false},
    {"SpatialDropout3D", kr_tr_identity, NQ_OP_COUNT, NQ_OP_COUNT, 0, false},
    {"Subtract", kr_tr_merge, NQ_OP_SUB, NQ_OP_COUNT, 0, false},
    {"UpSampling1D", kr_tr_upsampling, NQ_OP_RESIZE_NEAREST_NEIGHBOR, NQ_OP_RESIZE_BILINEAR, 1, false},
    {"UpSampling2D", kr_tr_upsampling, NQ_OP_RESIZE_NEAREST_NEIGHBOR, NQ_OP_RESIZE_BILINEAR, 2, false},
    {"ZeroPadding1D", kr_tr_pad_crop, NQ_OP_PAD, NQ_OP_COUNT, 1, false},
    {"ZeroPadding2D", kr_tr_pad_crop, NQ_OP_PAD, NQ_OP_COUNT, 2, false},
};

const kr_layer_entry *kr_layer_table(size_t *n) {
  *n = sizeof kr_layers / sizeof kr_layers[0];
  return kr_layers;
}

const kr_layer_entry *kr_find_layer(const char *cls) {
  return nq_name_table_find(kr_layers, sizeof kr_layers / sizeof kr_layers[0], sizeof kr_layers[0], cls);
}
