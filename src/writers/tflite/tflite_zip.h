/*
 * TFLite metadata "associated files" (labels.txt, vocabularies) live in a
 * zip archive appended after the model's flatbuffer: the file is both a
 * .tflite and a .zip (TFLite Support's metadata writer does this; the
 * Task library and Model Maker read labels from it). The flatbuffer does
 * not know about it, so a writer that only serializes the graph would drop
 * the labels.
 *
 * When a model read from a file is saved, the archive is carried over: it
 * is copied after the new flatbuffer, and when its offsets are absolute
 * (counted from the start of the file, as Python's zipfile writes them when
 * appending) every local-header offset in the central directory and the
 * central directory offset in the end record are shifted by the change in
 * flatbuffer size. Archives with relative offsets are copied unchanged.
 *
 * Layout facts used (PKWARE APPNOTE): end of central directory record
 * "PK\5\6" (22 bytes + comment) at the end; central directory entries
 * "PK\1\2" (46 bytes + name + extra + comment), local header offset at
 * byte 42; local file headers "PK\3\4". Zip64 archives are not carried.
 */
#ifndef NQ_WRITERS_TFLITE_TFLITE_ZIP_H
#define NQ_WRITERS_TFLITE_TFLITE_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "npuquant.h"

/* Where an appended zip archive starts in `data` (a whole .tflite file):
 * *start = its offset, or `size` when there is none or it is not a
 * well-formed, non-zip64 archive lying after byte 8 (then nothing is
 * carried over; the model itself is unaffected). Never fails. */
void nq_tflite_find_appended_zip(const uint8_t *data, size_t size, size_t *start);

/* Append the archive data[start, size) of a source file to the new model
 * bytes *buf (*len bytes, malloc'd; grown in place), shifting absolute
 * offsets from `start` to *len. The archive must be one that
 * nq_tflite_find_appended_zip() returned. */
nq_status nq_tflite_append_zip(const uint8_t *data, size_t size, size_t start, uint8_t **buf, size_t *len,
                               nq_error *err);

#endif
