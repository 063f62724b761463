"""The model runtimes kept to the data home: onnxruntime without telemetry, torch's cache inside.

The official onnxruntime wheels on Linux and macOS start a telemetry uploader when the library is
initialised, at ``import onnxruntime``: it writes a device id and an events database under
``~/.cache/Microsoft/DeveloperTools/.onnxruntime/`` and a ``$TMPDIR/.ses`` file. The documented
opt-out, ``ORT_DISABLE_TELEMETRY=1``, is read once at initialisation, so it must be in the
environment before the first import; ``disable_telemetry_events()`` then also mutes the events the
runtime API could still emit. Every import of onnxruntime in Syllabus goes through here.

torch makes ``$TMPDIR/torchinductor_<user>`` when the model is exported to ONNX;
:func:`torch_caches_in_home` sends it to the data home's rebuildable caches instead.
"""

from __future__ import annotations

import os
from types import ModuleType


def import_onnxruntime() -> ModuleType:
    """``import onnxruntime`` with telemetry off (~0.15 s, paid only by callers that run a model)."""
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"  # children (a worker, an export) inherit it too
    import onnxruntime

    onnxruntime.disable_telemetry_events()
    return onnxruntime


def torch_caches_in_home() -> None:
    """Point torch's compile cache (``$TMPDIR/torchinductor_<user>``, made on the first model
    export) into the index caches of the data home. Call before torch is imported."""
    from library import paths

    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(paths.index_dir() / "torch"))
