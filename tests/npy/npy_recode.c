/* Test helper for numpy_interop.py: read IN.npy with the library (both from
 * the file and from memory, which must agree) and write it back as OUT.npy.
 * Exit 0 on success, 1 with the library's message on stderr otherwise. */
#include <stdlib.h>
#include <string.h>

#include "io/npy.h"
#include "testutil.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: npy_recode IN.npy OUT.npy\n");
    return 2;
  }
  nq_error err;
  nq_array a, m;
  if (nq_npy_read_file(argv[1], &a, &err) != NQ_OK) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  size_t size = 0;
  unsigned char *raw = nq_test_read_file(argv[1], &size);
  if (!raw || nq_npy_read_mem(raw, size, argv[1], &m, &err) != NQ_OK) {
    fprintf(stderr, "read_mem disagrees with read_file: %s\n", raw ? err.msg : "unreadable");
    return 1;
  }
  free(raw);
  if (m.type != a.type || m.rank != a.rank || m.nbytes != a.nbytes ||
      memcmp(m.shape, a.shape, sizeof a.shape) != 0 || memcmp(m.data, a.data, a.nbytes) != 0) {
    fprintf(stderr, "read_mem and read_file give different arrays\n");
    return 1;
  }
  nq_array_free(&m);
  if (nq_npy_write_file(argv[2], a.type, a.rank, a.shape, a.data, &err) != NQ_OK) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  nq_array_free(&a);
  return 0;
}
