"""The sentence encoder as an ONNX graph, built from the packaged weights at start-up.

Run in NumPy, the six-layer encoder spent most of a short sentence's time in
Python between about 120 small array operations (about 10 ms a call before
the first token counted), and held the interpreter while it did. ONNX Runtime
runs the same arithmetic as one call in native code and releases the GIL for
the whole of it, so the bot's event loop keeps going while a message is
screened. The package ships only safetensors
weights, not an ONNX file, and exporting one needs PyTorch; the graph is small
enough to write out here, node by node, in the order BERT computes.

Inputs: ``input_ids`` (int64, batch × tokens) and ``attention_mask`` (float32,
1 for a token, 0 for padding). Output: ``vectors``, the mean of the token vectors
over the mask, scaled to unit length (how all-MiniLM-L6-v2 was trained).
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import numpy.typing as npt

OPSET = 20  # the first with Gelu (its tanh form is what the encoder has always used)
PARTS = ("query", "key", "value")


class _Graph:
    """Nodes and weights added in order; every intermediate gets a fresh name."""

    def __init__(self) -> None:
        from onnx import helper

        self.helper = helper
        self.nodes: list[Any] = []
        self.weights: list[Any] = []
        self.count = 0

    def constant(self, name: str, value: npt.ArrayLike) -> str:
        from onnx import numpy_helper

        self.weights.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def ints(self, name: str, values: list[int]) -> str:
        """Shapes, axes and slice bounds: ONNX takes them as int64 tensors."""
        return self.constant(name, np.array(values, dtype=np.int64))

    def op(self, kind: str, *inputs: str, **attributes: Any) -> str:
        self.count += 1
        output = f"{kind.lower()}_{self.count}"
        self.nodes.append(self.helper.make_node(kind, list(inputs), [output], **attributes))
        return output

    def dense(self, x: str, t: Mapping[str, npt.NDArray[Any]], name: str) -> str:
        """x @ W + b, with W transposed once (PyTorch stores it as out × in)."""
        weight = self.constant(f"{name}.w", t[f"{name}.weight"].T)
        return self.op("Add", self.op("MatMul", x, weight), self.constant(f"{name}.b", t[f"{name}.bias"]))

    def norm(self, x: str, t: Mapping[str, npt.NDArray[Any]], name: str, eps: float) -> str:
        return self.op("LayerNormalization", x, self.constant(f"{name}.g", t[f"{name}.weight"]),
                       self.constant(f"{name}.beta", t[f"{name}.bias"]), axis=-1, epsilon=eps)


def build(tensors: Mapping[str, npt.NDArray[Any]], config: Mapping[str, Any]) -> bytes:
    """The serialized ONNX model for these weights (a BERT encoder with mean pooling)."""
    from onnx import TensorProto, helper

    g = _Graph()
    t = tensors
    eps = float(config["layer_norm_eps"])
    heads = int(config["num_attention_heads"])
    hidden = t["embeddings.word_embeddings.weight"].shape[1]
    size = hidden // heads

    length = g.op("Slice", g.op("Shape", "input_ids"), g.ints("one", [1]), g.ints("two", [2]))
    positions = g.op("Slice", g.constant("positions", t["embeddings.position_embeddings.weight"]),
                     g.ints("zero", [0]), length, g.ints("zero_axis", [0]))
    x = g.op("Add", g.op("Gather", g.constant("words", t["embeddings.word_embeddings.weight"]), "input_ids"),
             g.op("Add", positions, g.constant("token_type", t["embeddings.token_type_embeddings.weight"][0])))
    x = g.norm(x, t, "embeddings.LayerNorm", eps)
    # Padding takes no attention: -1e9 added to its scores, shaped batch × 1 × 1 × tokens.
    padding = g.op("Mul", g.op("Sub", g.constant("unit", np.float32(1.0)), "attention_mask"),
                   g.constant("blocked", np.float32(-1e9)))
    blocked = g.op("Unsqueeze", padding, g.ints("head_axes", [1, 2]))
    split_heads = g.ints("split_heads", [0, 0, heads, size])
    join_heads = g.ints("join_heads", [0, 0, hidden])
    scale = g.constant("scale", np.float32(1.0 / np.sqrt(size)))
    for layer in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{layer}."
        q, k, v = (g.op("Reshape", g.dense(x, t, f"{p}attention.self.{part}"), split_heads) for part in PARTS)
        scores = g.op("Add", g.op("Mul", g.op("MatMul", g.op("Transpose", q, perm=[0, 2, 1, 3]),
                                              g.op("Transpose", k, perm=[0, 2, 3, 1])), scale), blocked)
        attended = g.op("MatMul", g.op("Softmax", scores, axis=-1), g.op("Transpose", v, perm=[0, 2, 1, 3]))
        context = g.op("Reshape", g.op("Transpose", attended, perm=[0, 2, 1, 3]), join_heads)
        x = g.norm(g.op("Add", x, g.dense(context, t, f"{p}attention.output.dense")),
                   t, f"{p}attention.output.LayerNorm", eps)
        inner = g.op("Gelu", g.dense(x, t, f"{p}intermediate.dense"), approximate="tanh")
        x = g.norm(g.op("Add", x, g.dense(inner, t, f"{p}output.dense")), t, f"{p}output.LayerNorm", eps)
    mask = g.op("Unsqueeze", "attention_mask", g.ints("token_axis", [2]))
    summed = g.op("ReduceSum", g.op("Mul", x, mask), g.ints("tokens", [1]), keepdims=0)
    counted = g.op("Max", g.op("ReduceSum", "attention_mask", g.ints("tokens_too", [1]), keepdims=1),
                   g.constant("tiny", np.float32(1e-9)))
    pooled = g.op("Div", summed, counted)
    norm = g.op("Max", g.op("ReduceL2", pooled, g.ints("features", [1]), keepdims=1),
                g.constant("tinier", np.float32(1e-12)))
    g.nodes.append(helper.make_node("Div", [pooled, norm], ["vectors"]))
    graph = helper.make_graph(
        g.nodes, "sentence_encoder",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.FLOAT, ["batch", "tokens"])],
        [helper.make_tensor_value_info("vectors", TensorProto.FLOAT, ["batch", hidden])],
        initializer=g.weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    serialized: bytes = model.SerializeToString()
    return serialized
