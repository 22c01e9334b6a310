/* UTF-8 checks for printing names read from hostile model files (the text
 * output and the JSON writer). */
#ifndef NQ_CLI_UTF8_H
#define NQ_CLI_UTF8_H

#include <stddef.h>

/* The length of the well-formed UTF-8 sequence at p (2..4), or 0 when p does
 * not start one (overlongs, surrogates and code points above U+10FFFF
 * included). */
size_t cli_utf8_sequence_length(const unsigned char *p);

#endif
