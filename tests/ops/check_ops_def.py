#!/usr/bin/python3
"""An op added to src/ir/ops.def without all of its facts must not build.

Copies ops.def into a scratch include folder that shadows src/ir/, appends
one entry, and compiles every translation unit that expands ops.def into a
table (-fsyntax-only, the project's own compiler and C11). Each broken entry
must make exactly the expected units fail with the expected message; a
complete entry (the control) must compile everywhere, so a failure is the
entry's fault and not the harness's.

usage: check_ops_def.py C_COMPILER SOURCE_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Every unit that expands ops.def: the enum and names, then one per column.
UNITS = [
    "src/ir/graph.c",  # ID, TFLITE, INT16X8 (the enum comes through ir/graph.h)
    "src/ir/shape.c",  # SHAPE
    "src/exec/float/ref_table.c",  # FLOAT
    "src/exec/int8/int8_table.c",  # INT8
    "src/quant/op_rules.c",  # QUANT
    "src/report/npu.c",  # NPU
    "src/formats/tflite/schema.c",  # OPTIONS
    "src/writers/tflite/op_version.c",  # VERSION
    "src/writers/tflite/op_version_runtime.c",  # RELEASES
]

# A complete entry for an op the IR lacks, built from existing functions
# (REVERSE_V2's real builtin code and first release); the broken cases below
# each spoil one thing.
COMPLETE = ("NQ_OP(REVERSE_V2, 105, sh_same,\n"
            "      F(nq_ref_unary, nq_ref_prep_f32), NO_I8, NO_I16X8, Q_NONE,\n"
            "      NPU(0, 0, 0), NO_OPTIONS, v_1,\n"
            "      REL(R(1, 14, 0)))\n")

ARITY = r'macro "NQ_OP" requires 11 arguments, but only {n} given|too few arguments provided to function-like macro'


def undeclared(name):
    return r"'{0}' undeclared|undeclared identifier '{0}'".format(name)


CASES = [
    # (what, entry appended to ops.def, units that must fail, message pattern)
    ("a complete entry (control)", COMPLETE, [], None),
    ("an entry in the old two-column form", "NQ_OP(REVERSE_V2, 105)\n", UNITS, ARITY.format(n=2)),
    ("an entry without its RELEASES column",
     "NQ_OP(REVERSE_V2, 105, sh_same, F(nq_ref_unary, nq_ref_prep_f32), NO_I8, NO_I16X8, Q_NONE,\n"
     "      NPU(0, 0, 0), NO_OPTIONS, v_1)\n", UNITS, ARITY.format(n=10)),
    ("an int16x8 fact that is none of I16X8, I16X8_TFLITE_ONLY, NO_I16X8", COMPLETE.replace("NO_I16X8", "MAYBE_I16X8"),
     ["src/ir/graph.c"], undeclared("MAYBE_I16X8")),
    ("a shape function that does not exist", COMPLETE.replace("sh_same", "sh_reverse_v2"),
     ["src/ir/shape.c"], undeclared("sh_reverse_v2")),
    ("an int8 kernel that does not exist", COMPLETE.replace("NO_I8", "I8P(reverse_v2)"),
     ["src/exec/int8/int8_table.c"], undeclared("nq_i8_reverse_v2_run")),
    ("a version rule that does not exist", COMPLETE.replace("v_1", "v_reverse_v2"),
     ["src/writers/tflite/op_version.c"], undeclared("v_reverse_v2")),
]


def compile_unit(cc, src, overlay, unit):
    cmd = [cc, "-std=c11", "-fsyntax-only", "-D_DEFAULT_SOURCE", "-D_POSIX_C_SOURCE=200809L",
           "-I", overlay, "-I", os.path.join(src, "src"), "-I", os.path.join(src, "include"),
           os.path.join(src, unit)]
    env = dict(os.environ, LC_ALL="C")  # plain quotes in the messages
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return r.returncode, r.stderr


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    cc, src = sys.argv[1], sys.argv[2]
    ops_def = os.path.join(src, "src", "ir", "ops.def")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="nq_ops_def_") as tmp:
        os.makedirs(os.path.join(tmp, "ir"))
        for what, entry, must_fail, pattern in CASES:
            shutil.copyfile(ops_def, os.path.join(tmp, "ir", "ops.def"))
            with open(os.path.join(tmp, "ir", "ops.def"), "a") as f:
                f.write(entry)
            before = failures
            for unit in UNITS:
                rc, err = compile_unit(cc, src, tmp, unit)
                expect_fail = unit in must_fail
                if not expect_fail and rc != 0:
                    failures += 1
                    print("FAIL %s: %s does not compile:\n%s" % (what, unit, err[-2000:]))
                elif expect_fail and rc == 0:
                    failures += 1
                    print("FAIL %s: %s compiles, it must not" % (what, unit))
                elif expect_fail and not re.search(pattern, err):
                    failures += 1
                    print("FAIL %s: %s fails, but not with /%s/:\n%s" % (what, unit, pattern, err[-2000:]))
            if failures == before:
                print("ok   %s: %s" % (what, "compiles everywhere" if not must_fail else
                                       "fails in %d unit(s) as expected" % len(must_fail)))
    if failures:
        print("%d check(s) failed" % failures)
        return 1
    print("ops.def: every broken entry fails the build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
