"""A deliberately small, independent float .tflite writer for the demo model.

It writes only what the demo CNN needs (CONV_2D, MAX_POOL_2D, RESHAPE,
FULLY_CONNECTED, SOFTMAX) with python3-flatbuffers' generic Builder, using
the field numbers of TFLite's schema (facts of the public format). It shares
no code with npuquant's C writer, so the bundled model does not depend on the
code it demonstrates.
"""
import flatbuffers
import numpy as np

# BuiltinOperator codes and BuiltinOptions union ids (TFLite schema).
OPS = {"CONV_2D": (3, 1), "MAX_POOL_2D": (17, 5), "RESHAPE": (22, 17),
       "FULLY_CONNECTED": (9, 8), "SOFTMAX": (25, 9)}
ACT = {"NONE": 0, "RELU": 1}
PAD = {"SAME": 0, "VALID": 1}


class Model:
    def __init__(self):
        self.tensors = []   # (name, shape, buffer_index, TensorType)
        self.buffers = [b""]
        self.ops = []       # (op, inputs, outputs, options dict)
        self.inputs, self.outputs = [], []

    def tensor(self, name, shape, data=None, dtype=np.float32):
        """Add a tensor (a constant when data is given); float32 or int32."""
        buf = 0
        if data is not None:
            self.buffers.append(np.ascontiguousarray(data, dtype=dtype).tobytes())
            buf = len(self.buffers) - 1
        ttype = {np.float32: 0, np.int32: 2}[dtype]  # TensorType FLOAT32 / INT32
        self.tensors.append((name, list(shape), buf, ttype))
        return len(self.tensors) - 1

    def op(self, name, inputs, outputs, **opts):
        self.ops.append((name, inputs, outputs, opts))

    def _options(self, b, name, o):
        if name == "CONV_2D":
            b.StartObject(6)
            b.PrependInt8Slot(0, PAD[o["padding"]], 0)
            b.PrependInt32Slot(1, o.get("stride", 1), 0)
            b.PrependInt32Slot(2, o.get("stride", 1), 0)
            b.PrependInt8Slot(3, ACT[o.get("act", "NONE")], 0)
            b.PrependInt32Slot(4, 1, 1)
            b.PrependInt32Slot(5, 1, 1)
        elif name == "MAX_POOL_2D":
            b.StartObject(6)
            b.PrependInt8Slot(0, PAD[o["padding"]], 0)
            b.PrependInt32Slot(1, o["stride"], 0)
            b.PrependInt32Slot(2, o["stride"], 0)
            b.PrependInt32Slot(3, o["filter"], 0)
            b.PrependInt32Slot(4, o["filter"], 0)
            b.PrependInt8Slot(5, 0, 0)
        elif name == "RESHAPE":
            shape = o["new_shape"]
            b.StartVector(4, len(shape), 4)
            for d in reversed(shape):
                b.PrependInt32(d)
            vec = b.EndVector()
            b.StartObject(1)
            b.PrependUOffsetTRelativeSlot(0, vec, 0)
        elif name == "FULLY_CONNECTED":
            b.StartObject(4)
            b.PrependInt8Slot(0, ACT[o.get("act", "NONE")], 0)
        elif name == "SOFTMAX":
            b.StartObject(1)
            b.PrependFloat32Slot(0, 1.0, 0.0)
        return b.EndObject()

    @staticmethod
    def _int_vector(b, values):
        b.StartVector(4, len(values), 4)
        for v in reversed(values):
            b.PrependInt32(v)
        return b.EndVector()

    def serialize(self, description="npuquant demo model", metadata=(), signature=None):
        """The model's bytes. metadata: (name, buffer index) pairs (Model.metadata);
        signature: (key, [(name, tensor)] inputs, [(name, tensor)] outputs), one
        SignatureDef over subgraph 0 (tests use it; the demo has neither)."""
        b = flatbuffers.Builder(1024)
        # Buffers (data 16-byte aligned).
        buf_offs = []
        for data in self.buffers:
            if data:
                b.StartVector(1, len(data), 16)
                b.head = b.head - len(data)
                b.Bytes[b.head:b.head + len(data)] = data
                vec = b.EndVector()
                b.StartObject(1)
                b.PrependUOffsetTRelativeSlot(0, vec, 0)
            else:
                b.StartObject(1)
            buf_offs.append(b.EndObject())
        # Tensors.
        t_offs = []
        for name, shape, buf, ttype in self.tensors:
            nm = b.CreateString(name)
            shp = self._int_vector(b, shape)
            b.StartObject(8)
            b.PrependUOffsetTRelativeSlot(0, shp, 0)
            b.PrependInt8Slot(1, ttype, 0)
            b.PrependUint32Slot(2, buf, 0)
            b.PrependUOffsetTRelativeSlot(3, nm, 0)
            t_offs.append(b.EndObject())
        # Operator codes in first-use order.
        codes = []
        for name, *_ in self.ops:
            if name not in codes:
                codes.append(name)
        code_offs = []
        for name in codes:
            code = OPS[name][0]
            b.StartObject(4)
            b.PrependInt8Slot(0, min(code, 127), 0)
            b.PrependInt32Slot(2, 1, 1)
            b.PrependInt32Slot(3, code, 0)
            code_offs.append(b.EndObject())
        op_offs = []
        for name, ins, outs, o in self.ops:
            opt = self._options(b, name, o)
            iv = self._int_vector(b, ins)
            ov = self._int_vector(b, outs)
            b.StartObject(9)
            b.PrependUint32Slot(0, codes.index(name), 0)
            b.PrependUOffsetTRelativeSlot(1, iv, 0)
            b.PrependUOffsetTRelativeSlot(2, ov, 0)
            b.PrependUint8Slot(3, OPS[name][1], 0)
            b.PrependUOffsetTRelativeSlot(4, opt, 0)
            op_offs.append(b.EndObject())

        def table_vector(offs):
            b.StartVector(4, len(offs), 4)
            for off in reversed(offs):
                b.PrependUOffsetTRelative(off)
            return b.EndVector()

        tv, opv = table_vector(t_offs), table_vector(op_offs)
        iv, ov = self._int_vector(b, self.inputs), self._int_vector(b, self.outputs)
        sg_name = b.CreateString("main")
        b.StartObject(5)
        b.PrependUOffsetTRelativeSlot(0, tv, 0)
        b.PrependUOffsetTRelativeSlot(1, iv, 0)
        b.PrependUOffsetTRelativeSlot(2, ov, 0)
        b.PrependUOffsetTRelativeSlot(3, opv, 0)
        b.PrependUOffsetTRelativeSlot(4, sg_name, 0)
        sg = b.EndObject()
        sgv = table_vector([sg])
        codev = table_vector(code_offs)
        bufv = table_vector(buf_offs)
        desc = b.CreateString(description)
        md_offs = []
        for name, buf in metadata:  # Metadata {name 0, buffer 1}
            nm = b.CreateString(name)
            b.StartObject(2)
            b.PrependUOffsetTRelativeSlot(0, nm, 0)
            b.PrependUint32Slot(1, buf, 0)
            md_offs.append(b.EndObject())
        mdv = table_vector(md_offs) if md_offs else None
        sigv = None
        if signature:  # SignatureDef {inputs 0, outputs 1, signature_key 2, subgraph_index 4}
            key, ins, outs = signature

            def tensor_maps(entries):  # TensorMap {name 0, tensor_index 1}
                offs = []
                for name, t in entries:
                    nm = b.CreateString(name)
                    b.StartObject(2)
                    b.PrependUOffsetTRelativeSlot(0, nm, 0)
                    b.PrependUint32Slot(1, t, 0)
                    offs.append(b.EndObject())
                return table_vector(offs)

            siv, sov, skey = tensor_maps(ins), tensor_maps(outs), b.CreateString(key)
            b.StartObject(5)
            b.PrependUOffsetTRelativeSlot(0, siv, 0)
            b.PrependUOffsetTRelativeSlot(1, sov, 0)
            b.PrependUOffsetTRelativeSlot(2, skey, 0)
            sigv = table_vector([b.EndObject()])
        b.StartObject(8)
        b.PrependUint32Slot(0, 3, 0)
        b.PrependUOffsetTRelativeSlot(1, codev, 0)
        b.PrependUOffsetTRelativeSlot(2, sgv, 0)
        b.PrependUOffsetTRelativeSlot(3, desc, 0)
        b.PrependUOffsetTRelativeSlot(4, bufv, 0)
        if mdv is not None:
            b.PrependUOffsetTRelativeSlot(6, mdv, 0)
        if sigv is not None:
            b.PrependUOffsetTRelativeSlot(7, sigv, 0)
        model = b.EndObject()
        b.Finish(model, file_identifier=b"TFL3")
        return bytes(b.Output())
