"""A tiny writer of TensorFlow frozen GraphDefs for the tests (no TensorFlow here).

It encodes the protobuf wire format by hand with the public field numbers of
tensorflow/core/framework/{graph,node_def,attr_value,tensor,tensor_shape}.proto,
so it shares nothing with npuquant's protobuf-c reader:

    g = Graph()
    g.placeholder("x", [1, 3, 8, 8])
    g.const("w", np.ones((3, 3, 3, 8), np.float32))
    g.op("conv", "Conv2D", ["x", "w"], strides=[1, 1, 1, 1], padding="SAME", data_format="NCHW")
    g.save("model.pb")

Attribute values: bool -> b, int -> i, float -> f, str -> s, list of ints -> list.i,
DType(n) -> type, a numpy array -> tensor.
"""
import struct

import numpy as np

DT = {np.dtype(np.float32): 1, np.dtype(np.int32): 3, np.dtype(np.int64): 9, np.dtype(np.bool_): 10}


class DType(int):
    """An attribute of protobuf type DataType (e.g. T, out_type)."""


def _varint(v):
    v &= (1 << 64) - 1  # negative int64 values take ten bytes
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field, wire):
    return _varint(field << 3 | wire)


def _bytes(field, data):
    if isinstance(data, str):
        data = data.encode()
    return _key(field, 2) + _varint(len(data)) + data


def _int(field, v):
    return _key(field, 0) + _varint(int(v))


def _shape(dims):
    return b"".join(_bytes(2, _int(1, d)) for d in dims)  # TensorShapeProto.dim[].size


def _tensor(a):
    a = np.ascontiguousarray(a)
    return _int(1, DT[a.dtype]) + _bytes(2, _shape(a.shape)) + _bytes(4, a.tobytes())


def _attr(v):
    if isinstance(v, DType):
        return _int(6, v)
    if isinstance(v, bool):
        return _int(5, v)
    if isinstance(v, int):
        return _int(3, v)
    if isinstance(v, float):
        return _key(4, 5) + struct.pack("<f", v)
    if isinstance(v, str):
        return _bytes(2, v)
    if isinstance(v, np.ndarray):
        return _bytes(8, _tensor(v))
    if isinstance(v, (list, tuple)):
        packed = b"".join(_varint(int(i)) for i in v)
        return _bytes(1, _bytes(3, packed))  # ListValue.i, packed
    raise TypeError("attribute value %r" % (v,))


class Graph:
    def __init__(self):
        self.nodes = []

    def op(self, name, op, inputs=(), **attrs):
        n = _bytes(1, name) + _bytes(2, op)
        for i in inputs:
            n += _bytes(3, i)
        for k, v in attrs.items():
            n += _bytes(5, _bytes(1, k) + _bytes(2, _attr(v)))  # map<string, AttrValue> entry
        self.nodes.append(n)
        return name

    def placeholder(self, name, shape, dtype=1):
        n = _bytes(1, name) + _bytes(2, "Placeholder")
        n += _bytes(5, _bytes(1, "dtype") + _bytes(2, _int(6, dtype)))
        n += _bytes(5, _bytes(1, "shape") + _bytes(2, _bytes(7, _shape(shape))))
        self.nodes.append(n)
        return name

    def const(self, name, value):
        return self.op(name, "Const", [], value=np.asarray(value), dtype=DType(DT[np.asarray(value).dtype]))

    def serialize(self):
        return b"".join(_bytes(1, n) for n in self.nodes)

    def save(self, path):
        with open(path, "wb") as f:
            f.write(self.serialize())
        return path
