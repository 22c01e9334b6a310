#!/usr/bin/python3
"""`--labels folders[:MAP.txt]`: the class of each sample from the class
folder it lies in (DATA/Coat/x.png), for `convert` and `compare`.

Data: 8 Fashion-MNIST test images of each of the 10 classes written as PNGs
into one folder per class, named by class name ("Ankle boot", "Bag", ...:
sorted by name they are NOT in the model's output order). The model is the
committed Fashion-MNIST CNN of examples/fashion.

- `folders:MAP.txt` (the class names in output order) gives exactly what
  `--labels FILE.npy` with the true labels (in the data set's sorted-path
  sample order) gives: the same recipe table (choice, held-out accuracy of
  every candidate), the same model bytes, and in `compare` the same accuracy;
- `folders` (no map) numbers the folders in name order: the same as a .npy of
  those indices;
- `convert --eval-data VAL` labels VAL by its own class folders: the accuracy
  is `compare`'s on VAL with a .npy of the true labels; plain `folders` needs
  VAL's class folders to be DATA's (else the numbers could differ);
- with --samples/--seed the folder labels follow the selection (a .npy is
  refused there): `compare`'s float accuracy on 40 random samples is the
  accuracy of the float model (run by us) on those very files;
- refused with exit 1, naming the file or folder, no model written: a sample
  beside the class folders, an empty class folder, a folder missing from the
  map, a class index beyond the model's 10 outputs (11 folders and no map, or a
  map line past 10), a blank line or a name twice in the map, `folders:`, a map
  that is missing, a folder or a FIFO, and -d naming a file.
"""
import json
import os
import shutil
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
import oracles  # noqa: E402

FASHION = os.path.join(oracles.SOURCE_DIR, "examples", "fashion")
sys.path.insert(0, FASHION)
import fmnist  # noqa: E402

MODEL = os.path.join(FASHION, "fashion_cnn.tflite")
PER_CLASS = 8
# fmnist.CLASSES as folder names (no '/').
NAMES = [c.replace("/", "_") for c in fmnist.CLASSES]


def load_test():
    path = os.path.join(fmnist.DATASET_DIR, "t10k-images-idx3-ubyte.gz")
    if not os.path.exists(path):
        oracles.skip(f"{path} is missing: install Debian's dataset-fashion-mnist")
    try:
        from PIL import Image  # noqa: F401
    except ImportError:
        oracles.skip("python3-pil is missing (scripts/setup.sh installs it)")
    return fmnist.load("t10k")


def write_folders(root, x, y, skip=0):
    """PER_CLASS images of each class as root/<class name>/<index>.png; returns
    the files in the data set's order (sorted by path) and their true classes."""
    from PIL import Image
    files = []
    for cls, name in enumerate(NAMES):
        os.makedirs(os.path.join(root, name))
        for idx in np.nonzero(y == cls)[0][skip:skip + PER_CLASS]:
            path = os.path.join(root, name, f"{idx:05d}.png")
            Image.fromarray(x[idx]).save(path)
            files.append((path, cls))
    files.sort()
    return [f for f, _ in files], np.array([c for _, c in files], np.int32)


def seeded_pick(total, n, seed):
    """The samples --samples n --seed S keeps: a partial Fisher-Yates shuffle
    driven by SplitMix64 with rejection, sorted (src/calib/dataset.h)."""
    m64 = (1 << 64) - 1
    perm, st = list(range(total)), seed
    for k in range(n):
        m = total - k
        while True:
            st = (st + 0x9E3779B97F4A7C15) & m64
            z = ((st ^ (st >> 30)) * 0xBF58476D1CE4E5B9) & m64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m64
            r = z ^ (z >> 31)
            if r >= ((1 << 64) - m) % m:
                break
        j = k + r % m
        perm[k], perm[j] = perm[j], perm[k]
    return sorted(perm[:n])


def convert(root, labels, out, *extra):
    return oracles.cli("convert", MODEL, "-d", root, "--range", "0..1", "--labels", labels, "-o", out,
                       "--quiet", "--json", *extra)


def table(rep):
    """The recipe table without its timings."""
    return [{k: v for k, v in cd.items() if "second" not in k} for cd in rep["recipe"]["candidates"]]


def main():
    x, y = load_test()
    c = oracles.Checks("folder_labels")
    with tempfile.TemporaryDirectory(prefix="nq_folder_labels_") as tmp:
        root = os.path.join(tmp, "data")
        files, true = write_folders(root, x, y)
        mapf = os.path.join(tmp, "classes.txt")
        with open(mapf, "w") as f:
            f.write("\n".join(fmnist.CLASSES).replace("/", "_") + "\n")
        true_npy = os.path.join(tmp, "true.npy")
        np.save(true_npy, true)
        by_name = sorted(NAMES)
        sorted_npy = os.path.join(tmp, "sorted.npy")
        np.save(sorted_npy, np.array([by_name.index(NAMES[k]) for k in true], np.int32))
        c.check(not np.array_equal(np.load(sorted_npy), true), "name order differs from the output order")

        reps = {}
        for tag, labels in (("map", "folders:" + mapf), ("npy", true_npy), ("folders", "folders"),
                            ("sorted_npy", sorted_npy)):
            out = os.path.join(tmp, tag + ".tflite")
            p = convert(root, labels, out)
            c.check(p.returncode == 0, f"convert --labels {labels}: exit 0 (got {p.returncode}: {p.stderr.strip()})")
            if p.returncode != 0:
                c.finish()
            reps[tag] = json.loads(p.stdout)
            with open(out, "rb") as f:
                reps[tag]["bytes"] = f.read()
            o = reps[tag]["outputs"][0]
            chosen = [cd for cd in reps[tag]["recipe"]["candidates"] if cd["chosen"]][0]
            print(f"  --labels {os.path.basename(labels):18s} float accuracy {o.get('float_accuracy')}, "
                  f"int8 {o.get('int8_accuracy')}, chosen {chosen['name']} "
                  f"({chosen.get('correct')}/{chosen['samples']} held-out right)")
        for a, b in (("map", "npy"), ("folders", "sorted_npy")):
            c.check(table(reps[a]) == table(reps[b]), f"{a} and {b}: the same recipe table")
            c.check(reps[a]["outputs"][0].get("int8_accuracy") == reps[b]["outputs"][0].get("int8_accuracy")
                    and reps[a]["outputs"][0].get("float_accuracy") == reps[b]["outputs"][0].get("float_accuracy"),
                    f"{a} and {b}: the same accuracies")
            c.check(reps[a]["bytes"] == reps[b]["bytes"], f"{a} and {b}: the same model bytes")
        c.check(reps["map"]["outputs"][0].get("float_accuracy", 0) >= 0.8,
                f"with the map the float model is right on most samples "
                f"({reps['map']['outputs'][0].get('float_accuracy')})")

        q = os.path.join(tmp, "map.tflite")
        cmp_map = oracles.cli_json("compare", MODEL, q, "-d", root, "--range", "0..1", "--labels", "folders:" + mapf)
        cmp_npy = oracles.cli_json("compare", MODEL, q, "-d", root, "--range", "0..1", "--labels", true_npy)
        fa = [cmp_map["outputs"][0].get(k) for k in ("float_accuracy", "int8_accuracy")]
        c.check(fa == [cmp_npy["outputs"][0].get(k) for k in ("float_accuracy", "int8_accuracy")]
                and fa[0] is not None, f"compare: folder labels and .npy labels give the same accuracies ({fa})")

        # --eval-data labelled by its own class folders: the accuracy on those samples
        val = os.path.join(tmp, "val")
        _, val_true = write_folders(val, x, y, skip=PER_CLASS)
        val_npy = os.path.join(tmp, "val_true.npy")
        np.save(val_npy, val_true)
        p = convert(root, "folders:" + mapf, os.path.join(tmp, "val.tflite"), "--eval-data", val)
        got = json.loads(p.stdout)["outputs"][0] if p.returncode == 0 else {}
        ref = oracles.cli_json("compare", MODEL, q, "-d", val, "--range", "0..1", "--labels", val_npy)["outputs"][0]
        acc = [got.get(k) for k in ("float_accuracy", "int8_accuracy")]
        print(f"  --eval-data VAL --labels folders:MAP: float accuracy {acc[0]}, int8 {acc[1]} on VAL's 80")
        c.check(acc == [ref.get(k) for k in ("float_accuracy", "int8_accuracy")] and acc[0] is not None,
                f"convert --eval-data VAL --labels folders:MAP: the accuracies on VAL's own folder labels "
                f"({acc}; compare with VAL's .npy labels: {ref.get('float_accuracy')}, {ref.get('int8_accuracy')})")
        shutil.rmtree(os.path.join(val, NAMES[8]))
        p = convert(root, "folders", os.path.join(tmp, "val2.tflite"), "--eval-data", val)
        want = f"{root}/{NAMES[8]}: class folder '{NAMES[8]}' is not in {val}"
        c.check(p.returncode == 1 and want in p.stderr,
                f"plain folders with an --eval-data lacking a class folder: exit 1 with '{want}' "
                f"(got {p.returncode}: {p.stderr.strip()})")
        p = convert(root, "folders:" + mapf, os.path.join(tmp, "val3.tflite"), "--eval-data", val)
        c.check(p.returncode == 0, f"... and with the map it is fine ({p.stderr.strip()})")

        # a random selection: the labels follow it (a .npy cannot)
        cmp_seed = oracles.cli_json("compare", MODEL, q, "-d", root, "--range", "0..1", "--labels",
                                    "folders:" + mapf, "--samples", "40", "--seed", "7")
        p = oracles.cli("compare", MODEL, q, "-d", root, "--range", "0..1", "--labels", true_npy,
                        "--samples", "40", "--seed", "7")
        c.check(p.returncode == 1 and "--labels needs every sample in order" in p.stderr,
                f"a .npy with --seed is refused ({p.returncode}: {p.stderr.strip()})")
        from PIL import Image
        float_top1 = np.array([int(oracles.run_ours(MODEL, [np.asarray(Image.open(f), np.float32)[None, :, :, None]
                                                          / 255.0])[0].argmax()) for f in files])
        pick = seeded_pick(len(files), 40, 7)
        want = float(np.mean(float_top1[pick] == true[pick]))
        got = cmp_seed["outputs"][0].get("float_accuracy")
        c.check(got is not None and abs(got - want) < 1e-6,
                f"--samples 40 --seed 7: the float accuracy against folder labels is that of the 40 files "
                f"the seed picks ({got} vs {want:.6f}; all 80: {np.mean(float_top1 == true):.4f})")

        # hostile layouts and maps
        def refused(what, root_, labels, expect):
            dst = os.path.join(tmp, "refused.tflite")
            p = convert(root_, labels, dst)
            c.check(p.returncode == 1 and expect in p.stderr,
                    f"{what}: exit 1 with '{expect}' (got {p.returncode}: {p.stderr.strip()})")
            c.check(not os.path.exists(dst), f"{what}: no model written")

        def variant(name):
            d = os.path.join(tmp, name)
            shutil.copytree(root, d)
            return d

        d = variant("nested")  # samples deeper inside a class folder keep its class
        os.makedirs(os.path.join(d, NAMES[3], "more", "deeper"))
        for f in sorted(os.listdir(os.path.join(d, NAMES[3])))[:4]:
            if f.endswith(".png"):
                os.rename(os.path.join(d, NAMES[3], f), os.path.join(d, NAMES[3], "more", "deeper", f))
        nested = oracles.cli_json("compare", MODEL, q, "-d", d, "--range", "0..1", "--labels", "folders:" + mapf)
        c.check([nested["outputs"][0].get(k) for k in ("float_accuracy", "int8_accuracy")] == fa,
                f"samples in sub-folders of a class folder keep its class: compare gives the same accuracies "
                f"({nested['outputs'][0].get('float_accuracy')}, {nested['outputs'][0].get('int8_accuracy')})")

        d = variant("loose")
        shutil.copy(files[0], os.path.join(d, "stray.png"))
        refused("a sample beside the class folders", d, "folders",
                f"{d}/stray.png: a sample beside the class folders")
        with open(os.path.join(d, "README.txt"), "w") as f:
            f.write("not a sample\n")
        os.remove(os.path.join(d, "stray.png"))
        p = convert(d, "folders:" + mapf, os.path.join(tmp, "readme.tflite"))
        c.check(p.returncode == 0, f"a non-sample file beside the class folders is ignored ({p.stderr.strip()})")
        d = variant("empty")
        os.makedirs(os.path.join(d, "Zebra"))
        refused("an empty class folder", d, "folders", f"{d}/Zebra: an empty class folder")
        d = variant("extra")
        os.makedirs(os.path.join(d, "Zebra"))
        shutil.copy(files[0], os.path.join(d, "Zebra", "z.png"))
        refused("a folder missing from the map", d, "folders:" + mapf,
                f"{d}/Zebra: class folder 'Zebra' is not in {mapf} (10 class names)")
        refused("11 folders for 10 outputs", d, "folders",
                f"{d}/Zebra: class folder 10 of 11 (sorted by name), but the model's outputs have 10 elements")
        long_map = os.path.join(tmp, "long.txt")
        with open(long_map, "w") as f:
            f.write("\n".join(NAMES + ["Zebra"]) + "\n")
        refused("a map line past the outputs", d, "folders:" + long_map,
                f"{d}/Zebra: class 'Zebra' is line 11 of {long_map}, but the model's outputs have 10 elements")
        blank = os.path.join(tmp, "blank.txt")
        with open(blank, "w") as f:
            f.write("\n".join(NAMES[:3] + [""] + NAMES[3:]) + "\n")
        refused("a blank line in the map", root, "folders:" + blank, f"{blank}: line 4 is empty")
        twice = os.path.join(tmp, "twice.txt")
        with open(twice, "w") as f:
            f.write("\n".join(NAMES + [NAMES[2]]) + "\n")
        refused("a name twice in the map", root, "folders:" + twice,
                f"{twice}: lines 3 and 11 both name class '{NAMES[2]}'")
        refused("folders: without a map", root, "folders:", "needs a map file after the colon")
        refused("a missing map", root, "folders:" + os.path.join(tmp, "nope.txt"), "nope.txt")
        refused("a map that is a folder", root, "folders:" + tmp, f"{tmp}: is a directory")
        fifo = os.path.join(tmp, "fifo.txt")
        os.mkfifo(fifo)
        refused("a map that is a FIFO", root, "folders:" + fifo, f"{fifo}: is a FIFO")
        refused("-d a file, not a folder", files[0], "folders", "class-folder labels need the data to be a folder")
        p = oracles.cli("compare", MODEL, q, "-d", os.path.join(tmp, "empty"), "--range", "0..1", "--labels",
                        "folders")
        c.check(p.returncode == 1 and "Zebra: an empty class folder" in p.stderr,
                f"compare refuses the same ({p.returncode}: {p.stderr.strip()})")
    c.finish()


if __name__ == "__main__":
    oracles.main(main)
