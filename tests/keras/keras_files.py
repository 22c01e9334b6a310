"""Builds Keras model files without Keras, from the weights and config of a
real Keras 2 .h5 (read with Debian's h5py), in the layouts Keras writes:

- keras3_archive(): a Keras 3 `.keras` zip: config.json (Keras 3 spelling:
  module/registered_name, dtype policies, `batch_shape`, inbound nodes as
  {"args": [__keras_tensor__ with keras_history], "kwargs": {}}),
  metadata.json, and model.weights.h5 with each layer's variables as
  datasets layers/<name>/vars/0, 1, ... (nested models one `layers/<name>/`
  deeper), as keras.src.saving.saving_lib stores them (tf.keras 2.13-2.15:
  _layer_checkpoint_dependencies/<name>/vars);
- legacy_h5(): a Keras 2 full-model .h5 (model_config attribute,
  model_weights/<layer>/ with weight_names), optionally with the model
  nested as a layer of a Sequential (its weights then all sit in the nested
  model's group, named "<inner layer>/<weight>:0");
- weights_only_h5(): model.save_weights() layout (layer_names at the root)
  plus the architecture JSON of model.to_json().
"""
import copy
import io
import json
import zipfile

import h5py
import numpy as np


def read_legacy(path):
    """(model config dict, {layer: [arrays in weight_names order]}, keras_version)."""
    with h5py.File(path, "r") as h:
        cfg = json.loads(h.attrs["model_config"])
        mw = h["model_weights"]
        weights = {}
        for name in mw.attrs["layer_names"]:
            name = name.decode() if isinstance(name, bytes) else name
            g = mw[name]
            wn = [w.decode() if isinstance(w, bytes) else w for w in g.attrs.get("weight_names", [])]
            weights[name] = [(w, g[w][...]) for w in wn]
        ver = h.attrs.get("keras_version", b"")
        ver = ver.decode() if isinstance(ver, bytes) else ver
    return cfg, weights, ver


def _policy(dt):
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dt or "float32"}, "registered_name": None}


def _k3_layer_config(layer):
    c = copy.deepcopy(layer["config"])
    if "batch_input_shape" in c:
        c["batch_shape"] = c.pop("batch_input_shape")
    if layer["class_name"] != "InputLayer":
        c["dtype"] = _policy(c.get("dtype"))
    if layer["class_name"] == "BatchNormalization" and isinstance(c.get("axis"), list):
        c["axis"] = -1 if c["axis"] == [3] or c["axis"] == [1] else c["axis"][0]
    return c


def _kt(ref):
    return {"class_name": "__keras_tensor__", "config": {"shape": None, "dtype": "float32",
                                                          "keras_history": [ref[0], ref[1], ref[2]]}}


def keras3_functional(cfg):
    """A Keras 2 Functional config in Keras 3's spelling."""
    layers = []
    for l in cfg["config"]["layers"]:
        nodes = []
        for node in l.get("inbound_nodes", []):
            refs = [_kt(r) for r in node]
            nodes.append({"args": [refs[0]] if len(refs) == 1 else [refs], "kwargs": {}})
        layers.append({"module": "keras.layers", "class_name": l["class_name"], "config": _k3_layer_config(l),
                       "registered_name": None, "name": l["name"], "inbound_nodes": nodes})
    ins = [r[:3] for r in cfg["config"]["input_layers"]]
    outs = [r[:3] for r in cfg["config"]["output_layers"]]
    return {"module": "keras", "class_name": "Functional", "registered_name": "Functional",
            "config": {"name": cfg["config"].get("name", "functional"), "trainable": True, "layers": layers,
                       "input_layers": ins[0] if len(ins) == 1 else ins,
                       "output_layers": outs[0] if len(outs) == 1 else outs}}


def _write_vars(h5, prefix, cfg, weights, container="layers"):
    for l in cfg["config"]["layers"]:
        g = h5.create_group(prefix + container + "/" + l["name"] + "/vars")
        for i, (_, a) in enumerate(weights.get(l["name"], [])):
            g.create_dataset(str(i), data=a)


def keras3_archive(out_path, cfg, weights, nest_in_sequential=False, container="layers", version="3.3.3"):
    """Write a .keras zip. With nest_in_sequential the Functional model is the
    single layer of a Sequential (an InputLayer first), as Keras 3 saves
    `Sequential([Input(shape), base_model])`."""
    f3 = keras3_functional(cfg)
    buf = io.BytesIO()
    with h5py.File(buf, "w") as h:
        h.create_group("vars")
        if nest_in_sequential:
            inner = f3["config"]["name"]
            _write_vars(h, "layers/%s/" % inner, cfg, weights)
            in_layer = next(l for l in cfg["config"]["layers"] if l["class_name"] == "InputLayer")
            top = {"module": "keras", "class_name": "Sequential", "registered_name": None,
                   "config": {"name": "sequential", "trainable": True, "dtype": _policy("float32"),
                              "layers": [{"module": "keras.layers", "class_name": "InputLayer",
                                          "config": {"batch_shape": in_layer["config"]["batch_input_shape"],
                                                     "dtype": "float32", "sparse": False, "name": "seq_input"},
                                          "registered_name": None},
                                         {"module": "keras", "class_name": "Functional",
                                          "config": f3["config"], "registered_name": "Functional"}]}}
            top["config"]["layers"][1]["config"]["name"] = inner
        else:
            _write_vars(h, "", cfg, weights, container)
            top = f3
    with zipfile.ZipFile(out_path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("metadata.json", json.dumps({"keras_version": version, "date_saved": "2024-05-01@12:00:00"}))
        z.writestr("config.json", json.dumps(top))
        z.writestr("model.weights.h5", buf.getvalue())


def keras3_sequential_archive(out_path, cfg, weights):
    """A chain Functional saved as a Keras 3 Sequential that was built with
    model.build(shape): no InputLayer entry, the shape in build_input_shape."""
    in_layer = next(l for l in cfg["config"]["layers"] if l["class_name"] == "InputLayer")
    layers = [{"module": "keras.layers", "class_name": l["class_name"], "config": _k3_layer_config(l),
               "registered_name": None} for l in cfg["config"]["layers"] if l["class_name"] != "InputLayer"]
    top = {"module": "keras", "class_name": "Sequential", "registered_name": None,
           "config": {"name": "sequential", "trainable": True, "dtype": _policy("float32"), "layers": layers,
                      "build_input_shape": in_layer["config"]["batch_input_shape"]}}
    buf = io.BytesIO()
    with h5py.File(buf, "w") as h:
        h.create_group("vars")
        _write_vars(h, "", cfg, weights)
    with zipfile.ZipFile(out_path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.3.3"}))
        z.writestr("config.json", json.dumps(top))
        z.writestr("model.weights.h5", buf.getvalue())


def legacy_h5(out_path, cfg, weights, version, nest_in_sequential=False, model_config=None):
    with h5py.File(out_path, "w") as h:
        h.attrs["keras_version"] = version
        h.attrs["backend"] = "tensorflow"
        mw = h.create_group("model_weights")
        mw.attrs["keras_version"] = version
        if nest_in_sequential:
            inner = dict(cfg)
            inner_name = cfg["config"].get("name", "functional_1")
            in_layer = next(l for l in cfg["config"]["layers"] if l["class_name"] == "InputLayer")
            top = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
                {"class_name": "InputLayer", "config": dict(in_layer["config"], name="seq_input")},
                {"class_name": "Functional", "config": inner["config"]}]}}
            top["config"]["layers"][1]["config"]["name"] = inner_name
            mw.attrs["layer_names"] = np.array([b"seq_input", inner_name.encode()])
            mw.create_group("seq_input").attrs["weight_names"] = np.array([], dtype="S1")
            g = mw.create_group(inner_name)
            names = []
            for l in cfg["config"]["layers"]:
                for wname, a in weights.get(l["name"], []):
                    g.create_dataset(wname, data=a)
                    names.append(wname.encode())
            g.attrs["weight_names"] = np.array(names)
        else:
            top = model_config or cfg
            mw.attrs["layer_names"] = np.array([l["name"].encode() for l in cfg["config"]["layers"]])
            for l in cfg["config"]["layers"]:
                g = mw.create_group(l["name"])
                ws = weights.get(l["name"], [])
                for wname, a in ws:
                    g.create_dataset(wname, data=a)
                g.attrs["weight_names"] = np.array([w.encode() for w, _ in ws], dtype="S64")
        h.attrs["model_config"] = json.dumps(top).encode()


def weights_only_h5(out_path, json_path, cfg, weights, version):
    with h5py.File(out_path, "w") as h:
        h.attrs["keras_version"] = version
        h.attrs["backend"] = "tensorflow"
        h.attrs["layer_names"] = np.array([l["name"].encode() for l in cfg["config"]["layers"]])
        for l in cfg["config"]["layers"]:
            g = h.create_group(l["name"])
            ws = weights.get(l["name"], [])
            for wname, a in ws:
                g.create_dataset(wname, data=a)
            g.attrs["weight_names"] = np.array([w.encode() for w, _ in ws], dtype="S64")
    with open(json_path, "w") as f:
        json.dump(dict(cfg, keras_version=version, backend="tensorflow"), f)


def keras20_sequential(cfg):
    """A Functional chain config as standalone Keras 2.0-2.1 wrote a Sequential:
    "config" is the bare list of layers and the first carries batch_input_shape."""
    layers = [l for l in cfg["config"]["layers"] if l["class_name"] != "InputLayer"]
    in_layer = next(l for l in cfg["config"]["layers"] if l["class_name"] == "InputLayer")
    out = []
    for i, l in enumerate(layers):
        c = dict(l["config"])
        if i == 0:
            c["batch_input_shape"] = in_layer["config"]["batch_input_shape"]
        out.append({"class_name": l["class_name"], "config": c})
    return {"class_name": "Sequential", "config": out}
