"""The PEP 517 build backend behind `pip install .` (pyproject.toml names it
with backend-path, so pip needs nothing from PyPI: build isolation would
otherwise download setuptools, and many build machines are offline).

It packs python/npuquant and libnpuquant.so into a wheel. The library is
either the file $NPUQUANT_LIB names (an already built or installed
libnpuquant.so) or one cmake builds here, in build-wheel/ beside this
tree's CMakeLists.txt (Release, no tests or bench; later builds are
incremental). The wheel is tagged py3-none-<platform>: it holds native code
for this machine but no Python extension module (ctypes loads the library),
so any Python 3 on the same platform can use it.

Only the standard library is used here."""
import base64
import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import sysconfig
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE_DIR = os.path.join(ROOT, "python", "npuquant")
NAME = "npuquant"
LIB_IN_WHEEL = "libnpuquant.so.0"  # the package's _native.py looks for this name beside itself


def _version():
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        m = re.search(r"project\(npuquant\s+VERSION\s+([0-9.]+)", f.read())
    if not m:
        raise RuntimeError("npuquant build: no 'project(npuquant VERSION x.y.z' in CMakeLists.txt")
    return m.group(1)


def _tag():
    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return f"py3-none-{platform}"


def _metadata():
    return (f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {_version()}\n"
            "Summary: Convert float models (TFLite, Keras, TensorFlow, ONNX, PyTorch) to fully int8 "
            "TensorFlow Lite for NPUs\n"
            "Requires-Python: >=3.8\nRequires-Dist: numpy\n")


def _wheel_file():
    return f"Wheel-Version: 1.0\nGenerator: npuquant_build\nRoot-Is-Purelib: false\nTag: {_tag()}\n"


def _dist_info():
    return f"{NAME}-{_version()}.dist-info"


def _build_library():
    """The path of the libnpuquant.so to ship."""
    given = os.environ.get("NPUQUANT_LIB")
    if given:
        if not os.path.isfile(given):
            raise RuntimeError(f"npuquant build: NPUQUANT_LIB={given} is not a file")
        return os.path.realpath(given)
    cmake = shutil.which("cmake")
    if not cmake:
        raise RuntimeError("npuquant build: cmake is not installed (apt-get install cmake, or run "
                           "scripts/setup.sh), and NPUQUANT_LIB does not name a built libnpuquant.so")
    build = os.path.join(ROOT, "build-wheel")
    jobs = str(os.cpu_count() or 2)
    subprocess.run([cmake, "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release", "-DNQ_BUILD_TESTS=OFF",
                    "-DNQ_BUILD_BENCH=OFF"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([cmake, "--build", build, "--target", "npuquant_shared", "-j", jobs], check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.realpath(os.path.join(build, "libnpuquant.so"))


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return [name, f"sha256={digest}", str(len(data))]


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    d = os.path.join(metadata_directory, _dist_info())
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata())
    with open(os.path.join(d, "WHEEL"), "w", encoding="utf-8") as f:
        f.write(_wheel_file())
    return _dist_info()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = []  # (name in the wheel, bytes)
    for entry in sorted(os.listdir(PACKAGE_DIR)):
        if entry.endswith(".py") or entry == "py.typed":
            with open(os.path.join(PACKAGE_DIR, entry), "rb") as f:
                files.append((f"{NAME}/{entry}", f.read()))
    with open(_build_library(), "rb") as f:
        files.append((f"{NAME}/{LIB_IN_WHEEL}", f.read()))
    info = _dist_info()
    files.append((f"{info}/METADATA", _metadata().encode()))
    files.append((f"{info}/WHEEL", _wheel_file().encode()))
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for name, data in files:
        writer.writerow(_record_line(name, data))
    writer.writerow([f"{info}/RECORD", "", ""])
    files.append((f"{info}/RECORD", record.getvalue().encode()))
    wheel_name = f"{NAME}-{_version()}-{_tag()}.whl"
    tmp = os.path.join(wheel_directory, wheel_name + ".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            # The library must stay executable (0o755); the rest is plain data.
            zi.external_attr = (0o100755 if name.endswith(LIB_IN_WHEEL) else 0o100644) << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    os.replace(tmp, os.path.join(wheel_directory, wheel_name))
    return wheel_name
