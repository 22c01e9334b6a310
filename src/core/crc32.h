/*
 * CRC-32 (the zip/PNG/zlib polynomial 0xEDB88320, reflected), so that .npz
 * members are checked without zlib in a build that leaves it out.
 */
#ifndef NQ_CORE_CRC32_H
#define NQ_CORE_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32 of n bytes at p, continuing from crc (0 to start). */
uint32_t nq_crc32(uint32_t crc, const uint8_t *p, size_t n);

#endif
