/* Prints sizeof of every public struct the Python binding mirrors with
 * ctypes, one "name size" line each, for test_struct_layout.py: the *_init
 * functions write whole structs, so a ctypes mirror that is shorter than
 * the C struct (a field added in C, not in Python) is overrun silently. */
#include <stdio.h>

#include "npuquant.h"

#define NQ_PRINT_SIZE(type) printf("%s %zu\n", #type, sizeof(type))

int main(void) {
  NQ_PRINT_SIZE(nq_error);
  NQ_PRINT_SIZE(nq_tensor_info);
  NQ_PRINT_SIZE(nq_node_info);
  NQ_PRINT_SIZE(nq_load_options);
  NQ_PRINT_SIZE(nq_session_options);
  NQ_PRINT_SIZE(nq_convert_options);
  NQ_PRINT_SIZE(nq_convert_stats);
  NQ_PRINT_SIZE(nq_compare_options);
  NQ_PRINT_SIZE(nq_compare_figures);
  NQ_PRINT_SIZE(nq_compare_task_figures);
  NQ_PRINT_SIZE(nq_npu_finding_info);
  NQ_PRINT_SIZE(nq_preprocess);
  NQ_PRINT_SIZE(nq_data_options);
  NQ_PRINT_SIZE(nq_sample_source);
  NQ_PRINT_SIZE(nq_array);
  NQ_PRINT_SIZE(nq_signature_info);
  NQ_PRINT_SIZE(nq_signature_entry);
  NQ_PRINT_SIZE(nq_metadata_info);
  NQ_PRINT_SIZE(nq_recipe_candidate);
  return 0;
}
