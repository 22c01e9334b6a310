#!/usr/bin/python3
"""Models shared between threads (issue 13): 8 threads run one float Model and
one int8 Model at once (with two option sets, so two native sessions each),
and one thread closes the models midway; then 4 threads convert with one
Converter. No crash (under the ASan build this
also catches a session freed while a run uses it), every run that returns
gives exactly the serial result, runs after close() raise ValueError, and
close() returns only when no run is in flight."""
import os
import threading

import numpy as np

from pyhelpers import SOURCE, check, finish, npuquant

MODEL = os.path.join(SOURCE, "examples", "fashion", "fashion_cnn.tflite")
THREADS = 8
ROUNDS = 12

rng = np.random.default_rng(13)
xs = rng.uniform(0, 1, size=(16, 1, 28, 28, 1)).astype(np.float32)
fm = npuquant.Model(MODEL)
qm = npuquant.convert(fm, xs)
qi = qm.inputs[0]
xq = np.clip(np.round(xs / qi["scale"][0]) + qi["zero_point"][0], -128, 127).astype(np.int8)


def jobs():
    """(model, input, single_rounding) for every run a thread makes."""
    return [(m, x[k], sr) for k in range(len(xs)) for m, x in ((fm, xs), (qm, xq)) for sr in (True, False)]


serial = {(id(m), k, sr): m.run([x], single_rounding=sr)[0] for (m, x, sr), k in
          zip(jobs(), [k for k in range(len(xs)) for _ in range(4)])}

# 1. Eight threads, nobody closes: every result equals the serial one.
mismatch, errors = [], []
start = threading.Barrier(THREADS)


def worker(tid):
    start.wait()
    order = jobs()
    ks = [k for k in range(len(xs)) for _ in range(4)]
    for r in range(ROUNDS // 4):
        for i in range(len(order)):
            j = (i + tid * 7 + r) % len(order)
            m, x, sr = order[j]
            try:
                y = m.run([x], single_rounding=sr)[0]
            except Exception as e:  # noqa: BLE001 - any exception is a failure here
                errors.append(repr(e))
                return
            if not np.array_equal(y, serial[(id(m), ks[j], sr)]):
                mismatch.append((tid, j))


ts = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
for t in ts:
    t.start()
for t in ts:
    t.join()
check(not errors, f"{THREADS} threads running two models with two option sets: no exception ({errors[:2]})")
check(not mismatch, f"{THREADS} threads x {ROUNDS // 4 * len(jobs())} runs: every output equals the serial run "
      f"({len(mismatch)} differ)")

# 2. The same, with one thread closing both models midway.
done, refused, bad, other = [0], [0], [0], []
lock = threading.Lock()
in_flight = [0]
closed_with_runs_in_flight = []
start = threading.Barrier(THREADS + 1)


def runner(tid):
    start.wait()
    order = jobs()
    ks = [k for k in range(len(xs)) for _ in range(4)]
    for i in range(len(order) * 4):
        j = (i + tid * 5) % len(order)
        m, x, sr = order[j]
        try:
            with lock:
                in_flight[0] += 1
            y = m.run([x], single_rounding=sr)[0]
            ok = np.array_equal(y, serial[(id(m), ks[j], sr)])
            with lock:
                done[0] += 1
                bad[0] += 0 if ok else 1
        except ValueError as e:
            with lock:
                refused[0] += 1
            if "closed" not in str(e):
                other.append(repr(e))
        except Exception as e:  # noqa: BLE001
            other.append(repr(e))
        finally:
            with lock:
                in_flight[0] -= 1


def closer():
    start.wait()
    while True:
        with lock:
            if done[0] >= 40:
                break
    fm.close()
    qm.close()


ts = [threading.Thread(target=runner, args=(t,)) for t in range(THREADS)] + [threading.Thread(target=closer)]
for t in ts:
    t.start()
for t in ts:
    t.join()
check(not other, f"closing midway: only 'closed' ValueErrors ({other[:2]})")
check(done[0] >= 40 and refused[0] > 0, f"closing midway: {done[0]} runs finished before close, {refused[0]} "
      f"refused after it")
check(bad[0] == 0, f"closing midway: every finished run equals the serial result ({bad[0]} differ)")
try:
    fm.run([xs[0]])
    check(False, "run() after close() raises")
except ValueError as e:
    check("closed" in str(e), f"run() after close() raises ValueError: {e}")
fm.close()
check(repr(qm) == "<npuquant.Model (closed)>", "closing twice is harmless; repr says closed")

# 3. One Converter shared by 4 threads: each convert() gives the serial bytes.
conv = npuquant.Converter.from_file(MODEL)
conv.representative_dataset = lambda: ([x] for x in xs)
conv.target = None
want = conv.convert()
got, conv_errors = [], []


def converter(tid):
    try:
        got.append(bytes(conv.convert()))
    except Exception as e:  # noqa: BLE001
        conv_errors.append(repr(e))


ts = [threading.Thread(target=converter, args=(t,)) for t in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
check(not conv_errors and len(got) == 4 and all(g == bytes(want) for g in got),
      f"4 threads converting with one Converter: the serial model's bytes each time ({conv_errors[:2]})")
raise SystemExit(finish("python_threads"))
