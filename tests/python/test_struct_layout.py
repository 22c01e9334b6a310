"""Every ctypes mirror of a public C struct in python/npuquant/_native.py has
the C struct's size. The library's *_init functions and getters write whole
structs into memory Python allocated: a mirror one field short is overrun
without any error (a field appended to include/npuquant.h and not to the
binding). A ctypes.Structure in _native.py that this test does not map to a C
struct fails too, so a new mirror cannot escape the check."""
import ctypes
import subprocess
import sys

import pyhelpers
from pyhelpers import check, finish
from npuquant import _native as nat

# ctypes class in _native.py -> C typedef in include/npuquant.h
C_NAME = {
    "Error": "nq_error",
    "TensorInfo": "nq_tensor_info",
    "NodeInfo": "nq_node_info",
    "LoadOptions": "nq_load_options",
    "SessionOptions": "nq_session_options",
    "ConvertOptions": "nq_convert_options",
    "ConvertStats": "nq_convert_stats",
    "CompareOptions": "nq_compare_options",
    "CompareFigures": "nq_compare_figures",
    "CompareTaskFigures": "nq_compare_task_figures",
    "NpuFinding": "nq_npu_finding_info",
    "Preprocess": "nq_preprocess",
    "DataOptions": "nq_data_options",
    "SampleSource": "nq_sample_source",
    "Array": "nq_array",
    "SignatureInfo": "nq_signature_info",
    "SignatureEntry": "nq_signature_entry",
    "MetadataInfo": "nq_metadata_info",
    "RecipeCandidate": "nq_recipe_candidate",
}


def main():
    out = subprocess.run([sys.argv[1]], capture_output=True, text=True, check=True).stdout
    c_size = {name: int(size) for name, size in (line.split() for line in out.splitlines())}
    mirrors = [(n, cls) for n, cls in vars(nat).items()
               if isinstance(cls, type) and issubclass(cls, ctypes.Structure) and cls is not ctypes.Structure]
    check(len(mirrors) > 5, f"_native.py defines {len(mirrors)} struct mirrors")
    for name, cls in sorted(mirrors):
        c_name = C_NAME.get(name)
        if not check(c_name is not None, f"{name}: mapped to a C struct in this test"):
            continue
        check(ctypes.sizeof(cls) == c_size[c_name],
              f"{name}: ctypes size {ctypes.sizeof(cls)} == sizeof({c_name}) {c_size[c_name]}")
    return finish("python_struct_layout")


if __name__ == "__main__":
    sys.exit(main())
