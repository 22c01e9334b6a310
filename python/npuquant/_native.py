"""The ctypes layer: finding libnpuquant, the C structs of include/npuquant.h,
the function prototypes, and turning an nq_status into a Python exception.
Nothing here is public; the rest of the package builds on it."""
import ctypes
import os

import numpy as np

# nq_dtype codes (include/npuquant.h; append-only, so stable).
DTYPES = {0: np.float32, 1: np.float16, 2: np.int8, 3: np.uint8, 4: np.int16, 5: np.int32, 6: np.int64,
          7: np.bool_}
DTYPE_CODES = {"int8": 2, "uint8": 3, "float32": 0}
MAX_RANK = 6
NQ_ERR_INVALID_ARG = 4


from .errors import ConvertError, InvalidArgumentError, LoadError, NpuquantError, error_class  # noqa: F401,E402


class Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("msg", ctypes.c_char * 1024)]


class TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("type", ctypes.c_int), ("rank", ctypes.c_int),
                ("shape", ctypes.c_int32 * MAX_RANK), ("n_params", ctypes.c_int),
                ("scale", ctypes.POINTER(ctypes.c_float)), ("zero_point", ctypes.POINTER(ctypes.c_int64)),
                ("axis", ctypes.c_int), ("nbytes", ctypes.c_size_t), ("is_constant", ctypes.c_int)]


class NodeInfo(ctypes.Structure):
    _fields_ = [("op", ctypes.c_char_p), ("version", ctypes.c_int), ("name", ctypes.c_char_p),
                ("n_inputs", ctypes.c_int), ("n_outputs", ctypes.c_int),
                ("inputs", ctypes.POINTER(ctypes.c_int)), ("outputs", ctypes.POINTER(ctypes.c_int)),
                ("min_tflite", ctypes.c_int), ("custom_code", ctypes.c_char_p)]


class LoadOptions(ctypes.Structure):
    _fields_ = [("input_shapes", ctypes.c_char_p), ("inputs", ctypes.c_char_p), ("outputs", ctypes.c_char_p),
                ("signature", ctypes.c_char_p), ("keras_json", ctypes.c_char_p), ("nhwc_input", ctypes.c_int),
                ("keras_in_process", ctypes.c_int)]


class SessionOptions(ctypes.Structure):
    _fields_ = [("num_threads", ctypes.c_int), ("reference_only", ctypes.c_int),
                ("single_rounding", ctypes.c_int), ("kernels", ctypes.c_int)]


WARN_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)
# a conversion note with its nq_note_topic
TOPIC_NOTE_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p)


class ConvertOptions(ctypes.Structure):
    _fields_ = [("per_tensor", ctypes.c_int), ("input_type", ctypes.c_int), ("output_type", ctypes.c_int),
                ("allow_float_fallback", ctypes.c_int), ("input_from_bytes", ctypes.c_int),
                ("input_mean", ctypes.c_float), ("input_std", ctypes.c_float), ("num_threads", ctypes.c_int),
                ("warn", WARN_FN), ("warn_user", ctypes.c_void_p), ("equalize", ctypes.c_int),
                ("bias_correct", ctypes.c_int), ("calibration", ctypes.c_int), ("percentile", ctypes.c_double),
                ("progress", ctypes.c_void_p), ("progress_user", ctypes.c_void_p),
                ("tflite_version", ctypes.c_char_p), ("kernels", ctypes.c_int), ("note", WARN_FN),
                # the automatic recipe (off here: the binding converts as asked)
                ("recipe_auto", ctypes.c_int), ("recipe_candidate", ctypes.c_void_p),
                ("recipe_user", ctypes.c_void_p), ("labels", ctypes.POINTER(ctypes.c_int32)),
                ("n_labels", ctypes.c_size_t),
                # the automatic recipe's search budget in GMAC (0: default, < 0: none)
                ("recipe_budget", ctypes.c_double), ("no_float_tail", ctypes.c_int),
                ("per_channel_fc", ctypes.c_int),
                # weight rounding by output error: 0 nearest (here always), 1 clip, 2 adaround
                ("weight_round", ctypes.c_int),
                # 1: an output made by a CONCATENATION becomes one output per part
                ("split_outputs", ctypes.c_int),
                # TFLite's 16x8: int16 activations everywhere they run, or on the named nodes
                ("activations_int16", ctypes.c_int), ("int16_layers", ctypes.c_char_p),
                # "auto" or "NODE[,NODE...]": layers split into two int8 layers whose weights add up
                ("split_weights", ctypes.c_char_p),
                # note with its topic (used instead of note when set)
                ("topic_note", TOPIC_NOTE_FN),
                # the automatic recipe may escalate to 16x8 (a target that runs int16 activations)
                ("recipe_int16", ctypes.c_int)]


class CompareOptions(ctypes.Structure):
    _fields_ = [("per_tensor", ctypes.c_int), ("labels", ctypes.POINTER(ctypes.c_int32)),
                ("n_labels", ctypes.c_size_t), ("num_threads", ctypes.c_int), ("single_rounding", ctypes.c_int),
                ("kernels", ctypes.c_int), ("task", ctypes.c_int), ("detect_layout", ctypes.c_int),
                ("score_threshold", ctypes.c_float), ("landmark_output", ctypes.c_int),
                ("keypoint_dims", ctypes.c_int)]


class CompareTaskFigures(ctypes.Structure):
    _fields_ = [("task", ctypes.c_int), ("detect_layout", ctypes.c_int), ("ref_detections", ctypes.c_int64),
                ("test_detections", ctypes.c_int64), ("matched", ctypes.c_int64), ("recall", ctypes.c_double),
                ("precision", ctypes.c_double), ("mean_iou", ctypes.c_double), ("keypoints", ctypes.c_int64),
                ("mean_keypoint_error", ctypes.c_double)]


class CompareFigures(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("tensor_ref", ctypes.c_int), ("tensor_test", ctypes.c_int),
                ("samples", ctypes.c_int), ("sqnr_db", ctypes.c_double), ("max_abs_error", ctypes.c_double),
                ("rmse", ctypes.c_double), ("scale", ctypes.c_float), ("classifier", ctypes.c_int),
                ("top1_agree", ctypes.c_int), ("ref_correct", ctypes.c_int), ("test_correct", ctypes.c_int),
                ("class_shaped", ctypes.c_int)]


class NpuFinding(ctypes.Structure):
    _fields_ = [("node", ctypes.c_int), ("op", ctypes.c_char_p), ("name", ctypes.c_char_p),
                ("cpu_fallback", ctypes.c_int), ("reason", ctypes.c_char_p)]


PP_MAX_CHANNELS = 4


class Preprocess(ctypes.Structure):
    # nq_preprocess: resize, antialias, color, norm (explicit-valued enums), then the values.
    _fields_ = [("resize", ctypes.c_int), ("antialias", ctypes.c_int), ("color", ctypes.c_int),
                ("norm", ctypes.c_int), ("mean", ctypes.c_float * PP_MAX_CHANNELS),
                ("std", ctypes.c_float * PP_MAX_CHANNELS), ("n_mean", ctypes.c_int), ("n_std", ctypes.c_int),
                ("scale", ctypes.c_float), ("offset", ctypes.c_float)]


class DataOptions(ctypes.Structure):
    # nq_data_options; struct_size is set by nq_data_options_init.
    _fields_ = [("struct_size", ctypes.c_size_t), ("max_samples", ctypes.c_size_t), ("use_seed", ctypes.c_int),
                ("seed", ctypes.c_uint64), ("channels_first", ctypes.c_int)]


def _load_library():
    # $NPUQUANT_LIB first (tests point it at their build), then the copy a
    # wheel (pip install .) puts beside this file, then the source tree's
    # build/, then whatever the system loader finds (cmake --install).
    env = os.environ.get("NPUQUANT_LIB")
    here = os.path.dirname(os.path.abspath(__file__))
    for path in [env, os.path.join(here, "libnpuquant.so.0"), os.path.join(here, "..", "..", "build", "libnpuquant.so")]:
        if path and os.path.exists(path):
            return ctypes.CDLL(path)
    return ctypes.CDLL("libnpuquant.so.0")


lib = _load_library()
P = ctypes.c_void_p
_E = ctypes.POINTER(Error)
_I = ctypes.c_int
_S = ctypes.c_char_p
_PROTOTYPES = {
    # name: (restype, argtypes)
    "nq_status_name": (_S, [_I]),
    "nq_set_memory_limit": (None, [ctypes.c_size_t]),
    "nq_memory_limit": (ctypes.c_size_t, []),
    "nq_model_load_ex": (_I, [_S, ctypes.POINTER(LoadOptions), ctypes.POINTER(P), _E]),
    "nq_model_free": (None, [P]),
    "nq_model_save_tflite": (_I, [P, _S, _E]),
    "nq_model_source": (_S, [P]),
    "nq_model_num_inputs": (_I, [P]),
    "nq_model_num_outputs": (_I, [P]),
    "nq_model_num_tensors": (_I, [P]),
    "nq_model_num_nodes": (_I, [P]),
    "nq_model_input": (_I, [P, _I, ctypes.POINTER(TensorInfo), _E]),
    "nq_model_output": (_I, [P, _I, ctypes.POINTER(TensorInfo), _E]),
    "nq_model_tensor": (_I, [P, _I, ctypes.POINTER(TensorInfo), _E]),
    "nq_model_node": (_I, [P, _I, ctypes.POINTER(NodeInfo), _E]),
    "nq_session_create": (_I, [P, ctypes.POINTER(SessionOptions), ctypes.POINTER(P), _E]),
    "nq_session_free": (None, [P]),
    "nq_session_keep_all_tensors": (_I, [P, _E]),
    "nq_session_set_input": (_I, [P, _I, P, ctypes.c_size_t, _E]),
    "nq_session_run": (_I, [P, _E]),
    "nq_session_output": (_I, [P, _I, ctypes.POINTER(P), ctypes.POINTER(ctypes.c_size_t), _E]),
    "nq_session_tensor": (_I, [P, _I, ctypes.POINTER(P), ctypes.POINTER(ctypes.c_size_t), _E]),
    "nq_convert_options_init": (None, [ctypes.POINTER(ConvertOptions)]),
    "nq_convert_arrays": (_I, [P, ctypes.POINTER(ctypes.c_float), _I, ctypes.POINTER(ConvertOptions),
                               ctypes.POINTER(P), _E]),
    "nq_compare_arrays": (_I, [P, P, ctypes.POINTER(ctypes.c_float), _I, ctypes.POINTER(CompareOptions),
                               ctypes.POINTER(P), _E]),
    "nq_compare_num_outputs": (_I, [P]),
    "nq_compare_num_tensors": (_I, [P]),
    "nq_compare_output": (_I, [P, _I, ctypes.POINTER(CompareFigures), _E]),
    "nq_compare_tensor": (_I, [P, _I, ctypes.POINTER(CompareFigures), _E]),
    "nq_compare_report_free": (None, [P]),
    "nq_compare_task": (_I, [P, ctypes.POINTER(CompareTaskFigures), _E]),
    "nq_compare_num_parts": (_I, [P]),
    "nq_compare_part": (_I, [P, _I, ctypes.POINTER(CompareFigures), ctypes.POINTER(_I), _E]),
    "nq_npu_targets": (_S, []),
    "nq_npu_check_model": (_I, [P, _S, ctypes.POINTER(P), _E]),
    "nq_npu_result_target": (_S, [P]),
    "nq_npu_result_num_nodes": (_I, [P]),
    "nq_npu_result_num_fallback": (_I, [P]),
    "nq_npu_result_num_findings": (_I, [P]),
    "nq_npu_result_finding": (_I, [P, _I, ctypes.POINTER(NpuFinding), _E]),
    "nq_npu_result_free": (None, [P]),
    "nq_preprocess_default": (None, [ctypes.POINTER(Preprocess)]),
    "nq_preprocess_set_range": (_I, [ctypes.POINTER(Preprocess), _S, _E]),
    "nq_parse_float_list": (_I, [_S, _S, ctypes.POINTER(ctypes.c_float), _I, ctypes.POINTER(_I), _E]),
    "nq_data_options_init": (None, [ctypes.POINTER(DataOptions)]),
    "nq_dataset_open_input": (_I, [P, P, _I, ctypes.POINTER(Preprocess), ctypes.POINTER(DataOptions),
                                   ctypes.POINTER(P), _E]),
    "nq_dataset_free": (None, [P]),
    "nq_dataset_count": (ctypes.c_size_t, [P]),
    "nq_dataset_sample_elems": (ctypes.c_size_t, [P]),
    "nq_dataset_get": (_I, [P, ctypes.c_size_t, ctypes.POINTER(ctypes.c_float), _E]),
    "nq_dataset_name": (_S, [P, ctypes.c_size_t]),
    "nq_dataset_notes": (_S, [P]),
    "nq_note_topic_name": (_S, [_I]),
    "nq_dataset_folder_labels": (_I, [P, _S, _S, ctypes.c_size_t, ctypes.POINTER(ctypes.c_int32),
                                      ctypes.POINTER(ctypes.c_size_t), _E]),
}
for _name, (_res, _args) in _PROTOTYPES.items():
    _fn = getattr(lib, _name)
    _fn.restype = _res
    _fn.argtypes = _args


def text(b):
    """A C string from the library as str ("" for NULL)."""
    return b.decode("utf-8", "replace") if b else ""


def check(status, err, stage=None):
    """Raise the library's error for a failing status: the class of the status
    (errors.py), combined with `stage` (LoadError, ConvertError) when given."""
    if status != 0:
        raise error_class(status, stage)(status, text(err.msg), text(lib.nq_status_name(status)))
