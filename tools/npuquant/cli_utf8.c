#include "cli_utf8.h"

size_t cli_utf8_sequence_length(const unsigned char *p) {
  unsigned char c = p[0];
  size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  for (size_t k = 1; k < len; k++)
    if ((p[k] & 0xc0) != 0x80) return 0; /* also stops at the NUL */
  /* The lead byte alone does not rule out overlongs, surrogates and code
   * points above U+10FFFF: the second byte's range does. */
  if (c == 0xe0 && p[1] < 0xa0) return 0;
  if (c == 0xed && p[1] >= 0xa0) return 0;
  if (c == 0xf0 && p[1] < 0x90) return 0;
  if (c == 0xf4 && p[1] >= 0x90) return 0;
  return len;
}
