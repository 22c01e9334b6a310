"""The public API as include/npuquant.h declares it: shared by the export
and boundary checks.

A public function is a declaration that starts with NQ_API. Any other
function-like name in the header (outside comments, and not a
function-pointer field such as `nq_status (*fill)(...)`) is a declaration
that forgot NQ_API, which the checks report.
"""
import re

_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_NAME_CALL = re.compile(r"\b(nq_[a-z0-9_]+)\s*\(")
_MARKED = re.compile(r"^NQ_API\b[^(;]*?\b(nq_[a-z0-9_]+)\s*\(", re.M)
_TYPES = re.compile(r"\b(nq_[a-z0-9_]+)\s*\(\s*\*")  # `nq_status (*fill)(`: a return type


def read(header):
    """(marked, unmarked): the NQ_API function names, and the names declared
    like functions without NQ_API."""
    with open(header, encoding="utf-8") as f:
        text = _COMMENT.sub(" ", f.read())
    # Preprocessor lines (the NQ_API definition itself) declare nothing.
    text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))
    marked = set(_MARKED.findall(text))
    return_types = set(_TYPES.findall(text))
    called = set(_NAME_CALL.findall(text))
    unmarked = called - marked - return_types
    return marked, unmarked
