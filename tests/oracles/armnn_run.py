#!/usr/bin/python3
"""Runs a .tflite model with Arm NN's TfLite parser and its CpuRef reference backend
(Debian python3-pyarmnn) as an independent oracle for npuquant.

    /usr/bin/python3 armnn_run.py [--repeat N] MODEL.tflite OUT_PREFIX IN0.npy [IN1.npy ...]
    /usr/bin/python3 armnn_run.py --info MODEL.tflite

Inputs are given in the order of subgraph 0's `inputs`; outputs are written in the order
of subgraph 0's `outputs` as OUT_PREFIX.out<k>.npy (Arm NN's parser lists subgraph 0's
tensors in that order; the runner still binds them by tensor name). Exit 0 on success,
1 with one line on stderr on failure, 77 with "SKIP: ..." when pyarmnn is not installed.
With --repeat N, after the first run it runs N more times and prints
{"min_ms":..,"median_ms":..} on stdout. --info prints JSON of the inputs and outputs as
Arm NN's parser sees them (name, shape, dtype, scale, zero_point; per-tensor only).
"""
import json
import logging
import os
import sys
import time


def fail(msg):
    sys.stderr.write("armnn_run: " + " ".join(str(msg).split()) + "\n")
    sys.exit(1)


def load_pyarmnn():
    try:
        # pyarmnn logs a warning for every parser Debian did not build (Caffe, ONNX, TF).
        logging.getLogger("pyarmnn").setLevel(logging.ERROR)
        import pyarmnn  # noqa: PLC0415
        return pyarmnn
    except ImportError as e:
        sys.stderr.write("SKIP: pyarmnn is not installed (%s); run scripts/setup.sh\n" % e)
        sys.exit(77)


# Arm NN data type -> numpy dtype name of the .npy it accepts/produces.
def armnn_dtype_names(ann):
    names = {}
    for attr, np_name in (("DataType_Float32", "float32"), ("DataType_Float16", "float16"),
                          ("DataType_QAsymmS8", "int8"), ("DataType_QSymmS8", "int8"),
                          ("DataType_QAsymmU8", "uint8"), ("DataType_QSymmS16", "int16"),
                          ("DataType_Signed32", "int32"), ("DataType_Boolean", "bool"),
                          ("DataType_Signed64", "int64")):
        if hasattr(ann, attr):
            names[getattr(ann, attr)] = np_name
    return names


def parse_args(argv):
    repeat = 0
    info = False
    args = list(argv)
    while args and args[0].startswith("--"):
        a = args.pop(0)
        if a == "--info":
            info = True
        elif a == "--repeat" and args:
            try:
                repeat = int(args.pop(0))
            except ValueError:
                repeat = -1
            if repeat < 1:
                fail("--repeat needs a positive integer")
        else:
            fail("unknown option %s" % a)
    if (len(args) != 1) if info else (len(args) < 2):
        fail("usage: armnn_run.py [--repeat N] MODEL.tflite OUT_PREFIX IN0.npy [IN1.npy ...] | --info MODEL.tflite")
    return repeat, info, args[0], (None if info else args[1]), args[2:]


def info_json(name, info, dtype_names):
    return {"name": name, "shape": [info.GetShape()[d] for d in range(info.GetNumDimensions())],
            "dtype": dtype_names.get(info.GetDataType(), "armnn-type-%d" % info.GetDataType()),
            "scale": [info.GetQuantizationScale()] if info.IsQuantized() else [],
            "zero_point": [info.GetQuantizationOffset()] if info.IsQuantized() else []}


def main():
    repeat, info_only, model, prefix, in_paths = parse_args(sys.argv[1:])
    ann = load_pyarmnn()
    import numpy as np  # noqa: PLC0415
    if not os.path.isfile(model):
        fail("%s: no such file" % model)
    dtype_names = armnn_dtype_names(ann)

    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(model)
    in_names = list(parser.GetSubgraphInputTensorNames(0))
    out_names = list(parser.GetSubgraphOutputTensorNames(0))
    if info_only:
        print(json.dumps({
            "inputs": [info_json(n, parser.GetNetworkInputBindingInfo(0, n)[1], dtype_names) for n in in_names],
            "outputs": [info_json(n, parser.GetNetworkOutputBindingInfo(0, n)[1], dtype_names) for n in out_names]}))
        return
    if len(in_paths) != len(in_names):
        fail("%s has %d inputs, %d .npy files given" % (model, len(in_names), len(in_paths)))
    in_infos = [parser.GetNetworkInputBindingInfo(0, n) for n in in_names]
    out_infos = [parser.GetNetworkOutputBindingInfo(0, n) for n in out_names]

    runtime = ann.IRuntime(ann.CreationOptions())
    opt_network, messages = ann.Optimize(network, [ann.BackendId("CpuRef")],
                                         runtime.GetDeviceSpec(), ann.OptimizerOptions())
    net_id, load_msg = runtime.LoadNetwork(opt_network)
    if load_msg:
        fail("%s: Arm NN could not load the network: %s" % (model, load_msg))

    inputs = []
    for path, name, (_, info) in zip(in_paths, in_names, in_infos):
        arr = np.load(path, allow_pickle=False)
        want = dtype_names.get(info.GetDataType(), "armnn-type-%d" % info.GetDataType())
        if arr.dtype.name != want:
            fail("%s: dtype %s, but model input '%s' is %s" % (path, arr.dtype.name, name, want))
        if arr.size != info.GetNumElements():
            fail("%s: %d elements, model input '%s' has %d" % (path, arr.size, name, info.GetNumElements()))
        inputs.append(np.ascontiguousarray(arr).reshape(-1))
    in_tensors = ann.make_input_tensors(in_infos, inputs)
    out_tensors = ann.make_output_tensors(out_infos)

    runtime.EnqueueWorkload(net_id, in_tensors, out_tensors)
    results = ann.workload_tensors_to_ndarray(out_tensors)
    for k, ((_, info), arr) in enumerate(zip(out_infos, results)):
        shape = [info.GetShape()[d] for d in range(info.GetNumDimensions())]
        np.save("%s.out%d.npy" % (prefix, k), arr.reshape(shape))

    if repeat:
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            runtime.EnqueueWorkload(net_id, in_tensors, out_tensors)
            times.append((time.perf_counter() - t) * 1000.0)
        times.sort()
        mid = len(times) // 2
        median = times[mid] if len(times) % 2 else (times[mid - 1] + times[mid]) / 2
        print(json.dumps({"min_ms": round(times[0], 3), "median_ms": round(median, 3), "runs": repeat}))


def run_guarded():
    try:
        main()
    except SystemExit:
        raise
    except BaseException as e:  # Arm NN raises RuntimeError subclasses with long texts.
        fail("%s: %s" % (type(e).__name__, e))


if __name__ == "__main__":
    # Some Arm NN 20.08 paths abort() the process (per-channel FULLY_CONNECTED, for one).
    # Run the work in a forked child so a crash still ends in the one-line, exit-1 contract.
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            run_guarded()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        fail("Arm NN crashed with signal %d on %s" % (os.WTERMSIG(status), " ".join(sys.argv[1:3])))
    sys.exit(os.WEXITSTATUS(status))
