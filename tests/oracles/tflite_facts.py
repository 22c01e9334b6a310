#!/usr/bin/python3
"""Independent reader of .tflite files: prints facts about subgraph 0 as JSON.

    /usr/bin/python3 tflite_facts.py MODEL.tflite

It uses python3-flatbuffers' low-level Table API with the field numbers of TFLite's
schema.fbs, and shares no code with npuquant's C reader, so the CLI's `inspect --json`
can be checked against it. Output (one line):

  {"inputs":[T...],"outputs":[T...],"ops":[{"op":"CONV_2D","version":3,"count":5},...],
   "num_tensors":N,"num_operators":N}
  T = {"name","shape","type","scale","zero_point","quantized_dimension"}

Ops are counted per (name, version) over subgraph 0's operators and sorted by name then
version; a custom op is "CUSTOM:<custom_code>". Exit 1 with one line on stderr when the
file is not a readable .tflite.
"""
import json
import sys

import flatbuffers.number_types as N
from flatbuffers import encode
from flatbuffers.table import Table

TENSOR_TYPES = ["float32", "float16", "int32", "uint8", "int64", "string", "bool", "int16",
                "complex64", "int8", "float64", "complex128", "uint64", "resource", "variant",
                "uint32", "uint16", "int4", "bfloat16"]

# BuiltinOperator enum of schema.fbs, by value.
BUILTIN_OPS = """ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE
DEQUANTIZE EMBEDDING_LOOKUP FLOOR FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D
LOCAL_RESPONSE_NORMALIZATION LOGISTIC LSH_PROJECTION LSTM MAX_POOL_2D MUL RELU RELU_N1_TO_1 RELU6
RESHAPE RESIZE_BILINEAR RNN SOFTMAX SPACE_TO_DEPTH SVDF TANH CONCAT_EMBEDDINGS SKIP_GRAM CALL
CUSTOM EMBEDDING_LOOKUP_SPARSE PAD UNIDIRECTIONAL_SEQUENCE_RNN GATHER BATCH_TO_SPACE_ND
SPACE_TO_BATCH_ND TRANSPOSE MEAN SUB DIV SQUEEZE UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE
BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT LOG_SOFTMAX DELEGATE BIDIRECTIONAL_SEQUENCE_LSTM CAST
PRELU MAXIMUM ARG_MAX MINIMUM LESS NEG PADV2 GREATER GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN
TRANSPOSE_CONV SPARSE_TO_DENSE TILE EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW ARG_MIN
FAKE_QUANT REDUCE_PROD REDUCE_MAX PACK LOGICAL_OR ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN
FLOOR_DIV REDUCE_ANY SQUARE ZEROS_LIKE FILL FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU
SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE CEIL REVERSE_V2 ADD_N GATHER_ND COS WHERE RANK ELU
REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE MATRIX_SET_DIAG ROUND HARD_SWISH IF WHILE
NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5 SCATTER_ND SELECT_V2 DENSIFY SEGMENT_SUM BATCH_MATMUL
PLACEHOLDER_FOR_GREATER_OP_CODES CUMSUM CALL_ONCE BROADCAST_TO RFFT2D CONV_3D IMAG REAL
COMPLEX_ABS HASHTABLE HASHTABLE_FIND HASHTABLE_IMPORT HASHTABLE_SIZE REDUCE_ALL CONV_3D_TRANSPOSE
VAR_HANDLE READ_VARIABLE ASSIGN_VARIABLE BROADCAST_ARGS RANDOM_STANDARD_NORMAL BUCKETIZE
RANDOM_UNIFORM MULTINOMIAL GELU DYNAMIC_UPDATE_SLICE RELU_0_TO_1 UNSORTED_SEGMENT_PROD
UNSORTED_SEGMENT_MAX UNSORTED_SEGMENT_SUM ATAN2 UNSORTED_SEGMENT_MIN SIGN BITCAST BITWISE_XOR
RIGHT_SHIFT""".split()
CUSTOM_CODE = 32

# Field numbers (schema.fbs) of the tables read here.
MODEL_OPERATOR_CODES, MODEL_SUBGRAPHS = 1, 2
OPCODE_DEPRECATED_BUILTIN, OPCODE_CUSTOM_CODE, OPCODE_VERSION, OPCODE_BUILTIN = 0, 1, 2, 3
SUBGRAPH_TENSORS, SUBGRAPH_INPUTS, SUBGRAPH_OUTPUTS, SUBGRAPH_OPERATORS = 0, 1, 2, 3
TENSOR_SHAPE, TENSOR_TYPE, TENSOR_NAME, TENSOR_QUANTIZATION = 0, 1, 3, 4
QUANT_SCALE, QUANT_ZERO_POINT, QUANT_DIMENSION = 2, 3, 6
OPERATOR_OPCODE_INDEX = 0


class BadModel(Exception):
    pass


class Reader:
    """Bounds-checked access to flatbuffer tables through flatbuffers.table.Table."""

    def __init__(self, data):
        self.buf = bytearray(data)
        self.size = len(self.buf)

    def check(self, pos, nbytes, what):
        if pos < 0 or nbytes < 0 or pos + nbytes > self.size:
            raise BadModel("%s at offset %d (+%d) lies outside the %d-byte file" % (what, pos, nbytes, self.size))

    def table(self, pos, what):
        self.check(pos, 4, what)
        vtable = pos - encode.Get(N.SOffsetTFlags.packer_type, self.buf, pos)
        self.check(vtable, 4, what + " vtable")
        vt_size = encode.Get(N.VOffsetTFlags.packer_type, self.buf, vtable)
        self.check(vtable, vt_size, what + " vtable")
        return Table(self.buf, pos)

    def field(self, tab, field_id):
        return tab.Offset(4 + 2 * field_id)

    def scalar(self, tab, field_id, flags, default):
        off = self.field(tab, field_id)
        if not off:
            return default
        self.check(tab.Pos + off, flags.bytewidth, "scalar field %d" % field_id)
        return tab.Get(flags, tab.Pos + off)

    def sub_table(self, tab, field_id, what):
        off = self.field(tab, field_id)
        if not off:
            return None
        self.check(tab.Pos + off, 4, what)
        return self.table(tab.Indirect(tab.Pos + off), what)

    def vector(self, tab, field_id, elem_size, what):
        """Returns (start, length) of a vector field, or (0, 0) when absent."""
        off = self.field(tab, field_id)
        if not off:
            return 0, 0
        self.check(tab.Pos + off, 4, what)
        vec = tab.Indirect(tab.Pos + off)
        self.check(vec, 4, what)
        length = encode.Get(N.UOffsetTFlags.packer_type, self.buf, vec)
        self.check(vec + 4, length * elem_size, what)
        return vec + 4, length

    def numbers(self, tab, field_id, flags, what):
        start, length = self.vector(tab, field_id, flags.bytewidth, what)
        return [tab.Get(flags, start + i * flags.bytewidth) for i in range(length)]

    def tables(self, tab, field_id, what):
        start, length = self.vector(tab, field_id, 4, what)
        return [self.table(tab.Indirect(start + 4 * i), "%s[%d]" % (what, i)) for i in range(length)]

    def string(self, tab, field_id, what):
        off = self.field(tab, field_id)
        if not off:
            return ""
        self.check(tab.Pos + off, 4, what)
        start = tab.Indirect(tab.Pos + off)
        self.check(start, 4, what)
        length = encode.Get(N.UOffsetTFlags.packer_type, self.buf, start)
        self.check(start + 4, length, what)
        return tab.String(tab.Pos + off).decode("utf-8", errors="replace")


def tensor_facts(r, tensors, index, where):
    if not 0 <= index < len(tensors):
        raise BadModel("%s refers to tensor %d, subgraph 0 has %d tensors" % (where, index, len(tensors)))
    t = tensors[index]
    type_code = r.scalar(t, TENSOR_TYPE, N.Int8Flags, 0)
    facts = {
        "name": r.string(t, TENSOR_NAME, "tensor name"),
        "shape": r.numbers(t, TENSOR_SHAPE, N.Int32Flags, "tensor shape"),
        "type": TENSOR_TYPES[type_code] if 0 <= type_code < len(TENSOR_TYPES) else "type%d" % type_code,
        "scale": [],
        "zero_point": [],
        "quantized_dimension": 0,
    }
    q = r.sub_table(t, TENSOR_QUANTIZATION, "quantization")
    if q is not None:
        facts["scale"] = r.numbers(q, QUANT_SCALE, N.Float32Flags, "scale")
        facts["zero_point"] = r.numbers(q, QUANT_ZERO_POINT, N.Int64Flags, "zero_point")
        facts["quantized_dimension"] = r.scalar(q, QUANT_DIMENSION, N.Int32Flags, 0)
    return facts


def op_name(r, code):
    deprecated = r.scalar(code, OPCODE_DEPRECATED_BUILTIN, N.Int8Flags, 0)
    builtin = r.scalar(code, OPCODE_BUILTIN, N.Int32Flags, 0)
    # Old writers only set the byte field; new ones set both (the byte clamped to 127).
    value = max(builtin, deprecated)
    if value == CUSTOM_CODE:
        return "CUSTOM:" + r.string(code, OPCODE_CUSTOM_CODE, "custom_code")
    return BUILTIN_OPS[value] if 0 <= value < len(BUILTIN_OPS) else "BUILTIN_%d" % value


def facts(data):
    r = Reader(data)
    if r.size < 8:
        raise BadModel("file too small (%d bytes)" % r.size)
    model = r.table(encode.Get(N.UOffsetTFlags.packer_type, r.buf, 0), "model")
    codes = r.tables(model, MODEL_OPERATOR_CODES, "operator_codes")
    subgraphs = r.tables(model, MODEL_SUBGRAPHS, "subgraphs")
    if not subgraphs:
        raise BadModel("model has no subgraphs")
    sg = subgraphs[0]
    tensors = r.tables(sg, SUBGRAPH_TENSORS, "tensors")
    inputs = r.numbers(sg, SUBGRAPH_INPUTS, N.Int32Flags, "inputs")
    outputs = r.numbers(sg, SUBGRAPH_OUTPUTS, N.Int32Flags, "outputs")
    operators = r.tables(sg, SUBGRAPH_OPERATORS, "operators")
    counts = {}
    for i, op in enumerate(operators):
        idx = r.scalar(op, OPERATOR_OPCODE_INDEX, N.Uint32Flags, 0)
        if idx >= len(codes):
            raise BadModel("operator %d uses opcode %d, the model has %d" % (i, idx, len(codes)))
        key = (op_name(r, codes[idx]), r.scalar(codes[idx], OPCODE_VERSION, N.Int32Flags, 1))
        counts[key] = counts.get(key, 0) + 1
    return {
        "inputs": [tensor_facts(r, tensors, t, "input %d" % k) for k, t in enumerate(inputs)],
        "outputs": [tensor_facts(r, tensors, t, "output %d" % k) for k, t in enumerate(outputs)],
        "ops": [{"op": n, "version": v, "count": c} for (n, v), c in sorted(counts.items())],
        "num_tensors": len(tensors),
        "num_operators": len(operators),
    }


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: tflite_facts.py MODEL.tflite\n")
        return 1
    path = sys.argv[1]
    try:
        with open(path, "rb") as f:
            data = f.read()
        print(json.dumps(facts(data), separators=(",", ":")))
    except (OSError, BadModel) as e:
        sys.stderr.write("tflite_facts: %s: %s\n" % (path, e))
        return 1
    except Exception as e:  # a structure so broken that the flatbuffers library itself trips
        sys.stderr.write("tflite_facts: %s: malformed flatbuffer (%s: %s)\n" % (path, type(e).__name__, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
