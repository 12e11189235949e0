"""The jobs RQ runs in the comparison: a module-level no-op, as RQ needs it
importable by name (``tasks.noop``) in the worker."""


def noop():
    return None
