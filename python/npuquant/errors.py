"""The exceptions npuquant raises. Every library failure is an npuquant.Error
whose str() is the library's own message (it names the file, node or tensor
and what was expected). Two families, both usable in `except`:

- what went wrong, from the library's status code: FileError (NQ_ERR_IO),
  FormatError, UnsupportedError, InvalidArgument (also a ValueError),
  OutOfMemoryError (also a MemoryError), ShapeError (also a ValueError),
  NumericError, InternalError (a bug: please report it);
- where it happened: LoadError (reading a model), ConvertError (quantizing).

A failure while loading a malformed file is both a LoadError and a
FormatError. NpuquantError and InvalidArgumentError are the older names of
Error and InvalidArgument."""


class Error(RuntimeError):
    """A library call failed. str(e) is the library's message; .status is the
    nq_status code and .status_name its name ("format error", ...)."""

    def __init__(self, status, message, status_name=""):
        super().__init__(message)
        self.status = status
        self.status_name = status_name


class FileError(Error):
    """A file could not be opened, read or written (NQ_ERR_IO)."""


class FormatError(Error):
    """A file is malformed (NQ_ERR_FORMAT)."""


class UnsupportedError(Error):
    """Valid input that npuquant does not handle: an op, a type (NQ_ERR_UNSUPPORTED)."""


class InvalidArgument(Error, ValueError):
    """A caller-supplied argument or option is wrong (NQ_ERR_INVALID_ARG); also a ValueError."""


class OutOfMemoryError(Error, MemoryError):
    """An allocation failed or the memory budget was hit (NQ_ERR_NOMEM)."""


class ShapeError(Error, ValueError):
    """Tensor shapes do not agree (NQ_ERR_SHAPE); also a ValueError."""


class NumericError(Error):
    """NaN/Inf or an out-of-range value (NQ_ERR_NUMERIC)."""


class InternalError(Error):
    """A broken invariant inside npuquant: a bug (NQ_ERR_INTERNAL)."""


class LoadError(Error):
    """Loading a model failed (also the class of its status, e.g. FormatError)."""


class ConvertError(Error):
    """Quantizing a model failed (also the class of its status)."""


BY_STATUS = {1: FileError, 2: FormatError, 3: UnsupportedError, 4: InvalidArgument, 5: OutOfMemoryError,
             6: ShapeError, 7: NumericError, 8: InternalError}
_combined = {}


def error_class(status, stage=None):
    """The class raised for a status, combined with a stage class (LoadError,
    ConvertError) when given: e.g. a class that is both LoadError and FormatError."""
    base = BY_STATUS.get(status, Error)
    if stage is None:
        return base
    key = (stage, base)
    if key not in _combined:
        # Named after the status class, so tracebacks read "npuquant.FormatError: ...".
        _combined[key] = type(base.__name__, (stage, base), {"__module__": "npuquant",
                                                              "__doc__": f"{stage.__doc__} {base.__doc__}"})
    return _combined[key]


NpuquantError = Error
InvalidArgumentError = InvalidArgument
