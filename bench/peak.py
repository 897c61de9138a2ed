"""Peak memory of a measured child process: its own, not the benchmark's.

A process started by ``subprocess`` (vfork, then exec) reports in ``ru_maxrss`` the peak of the
process that started it as well: after the benchmark itself once held 1.5 GB (writing a
ten-million-row CSV with DuckDB), every child it ran reported at least 1.5 GB. ``VmHWM`` in
``/proc/self/status`` is the running program's own peak, and writing 5 to
``/proc/self/clear_refs`` starts it again from the present, so that a measurement's setup
(building a database to measure on) does not count either. Where ``/proc`` is missing (not
Linux), ``ru_maxrss`` is the fallback.

``CODE`` is pasted into the measured scripts (they may run another checkout's code, so they
import nothing from here).
"""

CODE = """
import resource as _resource


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as _refs:
            _refs.write("5")
    except OSError:
        pass


def peak_mb(children=False):
    own = None
    try:
        with open("/proc/self/status") as _status:
            for _line in _status:
                if _line.startswith("VmHWM:"):
                    own = int(_line.split()[1]) / 1024
    except OSError:
        pass
    if own is None:
        own = _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss / 1024
    if not children:
        return own
    return max(own, _resource.getrusage(_resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""
