/*
 * UTF-8 well-formedness. Names in model files (tensors, layers, nodes) come
 * from strangers and end up in error messages and JSON; a terminal or a
 * JSON parser downstream must never see a broken byte sequence.
 */
#ifndef NQ_CORE_UTF8_H
#define NQ_CORE_UTF8_H

#include <stddef.h>

#include "npuquant.h" /* nq_utf8_sequence_length is public (the CLI prints names) */

/* Length (2..4) of the well-formed multi-byte UTF-8 sequence at p (no
 * overlongs, no surrogates, at most U+10FFFF), or 0 when p[0] does not start
 * one. p[0] must be >= 0x80; p must be NUL-terminated (reads stop at a NUL,
 * which is never a continuation byte). */
size_t nq_utf8_sequence_length(const unsigned char *p);

/* Makes the NUL-terminated string s printable in place: each byte that is not
 * part of a well-formed UTF-8 sequence, and each control character other
 * than newline and tab, becomes '?'. */
void nq_utf8_make_printable(char *s);

#endif
