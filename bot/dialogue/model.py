"""The Rasa model's lifecycle: train only when the project changed, load or fail clearly.

A model is named after a hash of everything that shapes it (config, domain,
training data), so "is the model current?" is a file lookup, and `make setup`
can call `peerbot train` every time at no cost when nothing changed.
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Iterable

log = logging.getLogger(__name__)

MODEL_PREFIX = "peerbot-"
MODEL_SUFFIX = ".tar.gz"


class ModelError(RuntimeError):
    """The dialogue model is missing, stale or unreadable; the message says what to do."""


def nlu_files(nlu_path: Path) -> list[Path]:
    """The NLU training files at ``nlu_path``: the file itself, or every ``*.yml`` under
    the directory (``data/nlu/``, one file per topic) in sorted order, the one order
    every reader of the NLU data uses."""
    if nlu_path.is_file():
        return [nlu_path]
    files = sorted((p for p in nlu_path.rglob("*.yml") if p.is_file()),
                   key=lambda p: p.relative_to(nlu_path).as_posix())
    if not files:
        raise ModelError(f"no NLU training files (*.yml) in {nlu_path}")
    return files


def training_inputs(project_dir: Path) -> list[Path]:
    """The files a model is trained from, in a stable order."""
    data = sorted(p for p in (project_dir / "data").rglob("*.yml") if p.is_file())
    return [project_dir / "config.yml", project_dir / "domain.yml", *data]


def fingerprint(project_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in training_inputs(project_dir):
        if not path.is_file():
            raise ModelError(f"{path} is missing from the Rasa project")
        digest.update(path.relative_to(project_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(project_dir: Path, model_dir: Path) -> Path:
    """Where the model for the project as it is now lives (it may not exist yet)."""
    return model_dir / f"{MODEL_PREFIX}{fingerprint(project_dir)}{MODEL_SUFFIX}"


def current_model(project_dir: Path, model_dir: Path) -> Path:
    path = model_path(project_dir, model_dir)
    if not path.is_file():
        raise ModelError(
            f"no trained model for the current Rasa project (expected {path}); run `peerbot train`"
        )
    return path


def _remove_others(model_dir: Path, keep: Path) -> Iterable[Path]:
    for old in model_dir.glob(f"{MODEL_PREFIX}*{MODEL_SUFFIX}"):
        if old != keep:
            old.unlink()
            yield old


def train_if_changed(project_dir: Path, model_dir: Path, force: bool = False) -> tuple[Path, bool]:
    """Train unless a model for this exact project exists; returns (path, trained?)."""
    target = model_path(project_dir, model_dir)
    if target.is_file() and not force:
        return target, False
    from rasa.model_training import train  # heavy import (TensorFlow), only when training

    model_dir.mkdir(parents=True, exist_ok=True)
    result = train(
        domain=str(project_dir / "domain.yml"),
        config=str(project_dir / "config.yml"),
        training_files=[str(project_dir / "data")],
        output=str(model_dir),
        fixed_model_name=target.name[: -len(MODEL_SUFFIX)],
    )
    if result.code != 0 or not target.is_file():
        raise ModelError(f"Rasa training failed (code {result.code}); see the output above")
    for old in _remove_others(model_dir, target):
        log.info("removed old model %s", old.name)
    return target, True
