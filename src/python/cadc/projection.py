"""The portable sketch projection of ``schemas/PROJECTION.md``, vectorised with numpy.

Matrices are bit-identical to the Java ``SplitMix64``/``KroneckerProjector``/``DenseProjector`` for the
same seed. Sketches accumulate in double like the Java code, but through numpy/BLAS, whose summation
order differs: they agree with Java's up to the last bit of the double accumulators (PROJECTION.md
section 4 allows this), and are bit-identical in most entries.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy as np

GOLDEN = 0x9E3779B97F4A7C15
OUTPUT_FACTOR = 0
INPUT_FACTOR = 1

_GOLDEN = np.uint64(GOLDEN)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MASK64 = (1 << 64) - 1


def _mix64_array(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def mix64(z: int) -> int:
    """The SplitMix64 finaliser on a 64-bit value (any Python int; the result is unsigned)."""
    z &= _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def stream_start(seed: int, layer: int, factor: int) -> int:
    """``mix64(seed + GOLDEN * (2*layer + factor + 1))``, unsigned."""
    if layer < 0:
        raise ValueError(f"layer index must be >= 0, got {layer}")
    if factor not in (OUTPUT_FACTOR, INPUT_FACTOR):
        raise ValueError(f"factor must be 0 (output) or 1 (input), got {factor}")
    return mix64((seed & _MASK64) + GOLDEN * (2 * layer + factor + 1))


def rademacher_matrix(seed: int, layer: int, factor: int, rows: int, cols: int) -> np.ndarray:
    """The ``rows x cols`` float32 matrix of stream (layer, factor): ``sign / sqrt(rows)``, row-major."""
    if rows < 1 or cols < 1:
        raise ValueError(f"projection matrix dimensions must be >= 1, got {rows} x {cols}")
    start = np.uint64(stream_start(seed, layer, factor))
    with np.errstate(over="ignore"):
        z = _mix64_array(start + _GOLDEN * np.arange(1, rows * cols + 1, dtype=np.uint64))
    scale = np.float32(1.0 / math.sqrt(rows))
    return np.where((z >> np.uint64(63)) == 1, -scale, scale).astype(np.float32).reshape(rows, cols)


def to_signed64(seed: int) -> int:
    """The signed 64-bit value of a seed given as any Python int (a seed >= 2^63 wraps negative)."""
    seed &= _MASK64
    return seed - (1 << 64) if seed >> 63 else seed


def layer_split(sketch_dim: int, shapes: Sequence[Tuple[int, int]]) -> List[Tuple[int, int, int]]:
    """``[(k_l, a_l, b_l)]`` for layer shapes ``[(out_l, in_l)]`` (PROJECTION.md section 3)."""
    count = len(shapes)
    if count == 0:
        raise ValueError("the kronecker projection needs at least one layer shape")
    if sketch_dim < count:
        raise ValueError(f"sketch dimension must be >= the number of layers ({count}) so each layer gets "
                         f"at least one float, got {sketch_dim}")
    result = []
    for index, (out_dim, in_dim) in enumerate(shapes):
        if out_dim < 1 or in_dim < 1:
            raise ValueError(f"layer dimensions must be >= 1, got out {out_dim} x in {in_dim}")
        k_l = sketch_dim // count + (1 if index < sketch_dim % count else 0)
        limit = min(out_dim, math.isqrt(k_l))
        a = 1
        for candidate in range(limit, 1, -1):
            if k_l % candidate == 0:
                a = candidate
                break
        result.append((k_l, a, k_l // a))
    return result


@dataclass(frozen=True)
class LayerFactors:
    """One layer of a kronecker projection: its shape, place in the sketch and factor matrices."""
    out_dim: int
    in_dim: int
    sketch_dim: int   # k_l
    offset: int       # k_0 + ... + k_(l-1)
    out_rows: int     # a_l
    in_rows: int      # b_l
    r_out: np.ndarray  # a_l x out_l, float32
    r_in: np.ndarray   # b_l x in_l, float32


class KroneckerProjection:
    """The kronecker projection of a run: per layer ``R_out (x) R_in``, parts unit-normalised and concatenated."""

    def __init__(self, seed: int, shapes: Sequence[Tuple[int, int]], sketch_dim: int):
        shapes = [(int(o), int(i)) for o, i in shapes]
        self.seed = to_signed64(int(seed))
        self.sketch_dim = int(sketch_dim)
        self.shapes = shapes
        self.layers: List[LayerFactors] = []
        offset = 0
        for index, ((out_dim, in_dim), (k_l, a, b)) in enumerate(zip(shapes, layer_split(self.sketch_dim, shapes))):
            self.layers.append(LayerFactors(
                out_dim, in_dim, k_l, offset, a, b,
                rademacher_matrix(self.seed, index, OUTPUT_FACTOR, a, out_dim),
                rademacher_matrix(self.seed, index, INPUT_FACTOR, b, in_dim)))
            offset += k_l

    def sketch(self, deltas: Sequence[np.ndarray], inputs: Sequence[np.ndarray]) -> np.ndarray:
        """Sketches of a batch: ``deltas[l]`` is ``[n, out_l]`` or ``[n, T_l, out_l]``, ``inputs[l]`` likewise
        with ``in_l``. Returns float32 ``[n, k]``. Without a token axis (or with ``T_l = 1``) a part is
        ``(u (x) v) / (|u| |v|)``; with tokens it is ``M / |M|_F``, ``M = sum_t u_t v_t^T`` (section 3.1)."""
        if len(deltas) != len(self.layers) or len(inputs) != len(self.layers):
            raise ValueError(f"expected one delta and one input array per layer ({len(self.layers)} each), "
                             f"got {len(deltas)} and {len(inputs)}")
        parts = []
        rows = None
        for index, (layer, delta, x) in enumerate(zip(self.layers, deltas, inputs)):
            delta = np.asarray(delta)
            x = np.asarray(x)
            if delta.ndim == 2:
                delta = delta[:, None, :]
            if x.ndim == 2:
                x = x[:, None, :]
            if delta.ndim != 3 or x.ndim != 3 or delta.shape[:2] != x.shape[:2]:
                raise ValueError(f"layer {index}: deltas {delta.shape} and inputs {x.shape} must be [n, out] and "
                                 f"[n, in], or [n, T, out] and [n, T, in] with the same n and T")
            if delta.shape[2] != layer.out_dim or x.shape[2] != layer.in_dim:
                raise ValueError(f"layer {index} has shape (out {layer.out_dim}, in {layer.in_dim}); got deltas of "
                                 f"width {delta.shape[2]} and inputs of width {x.shape[2]}")
            if rows is not None and delta.shape[0] != rows:
                raise ValueError(f"layer {index} has {delta.shape[0]} samples, layer 0 has {rows}")
            rows = delta.shape[0]
            u = delta.astype(np.float32).astype(np.float64) @ layer.r_out.astype(np.float64).T   # n, T, a
            v = x.astype(np.float32).astype(np.float64) @ layer.r_in.astype(np.float64).T        # n, T, b
            parts.append(kronecker_part(u, v))
        return np.concatenate(parts, axis=1).astype(np.float32)


def kronecker_part(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Normalised parts (float64 ``[n, a*b]``) from projected factors ``u [n, T, a]`` and ``v [n, T, b]``.

    ``T = 1``: ``u v^T / (|u| |v|)`` exactly as PROJECTION.md section 3/4; otherwise ``M / |M|_F`` with
    ``M = sum_t u_t v_t^T`` (section 3.1); zero norms give zero parts.
    """
    n, tokens, a = u.shape
    b = v.shape[2]
    if tokens == 1:
        u1 = u[:, 0, :]
        v1 = v[:, 0, :]
        m = (u1[:, :, None] * v1[:, None, :]).reshape(n, a * b)
        norm = np.sqrt(np.sum(u1 * u1, axis=1)) * np.sqrt(np.sum(v1 * v1, axis=1))
    else:
        m = np.einsum("nta,ntb->nab", u, v).reshape(n, a * b) if tokens else np.zeros((n, a * b))
        norm = np.sqrt(np.sum(m * m, axis=1))
    out = np.zeros_like(m)
    nonzero = norm != 0.0
    out[nonzero] = m[nonzero] / norm[nonzero, None]
    return out


def dense_sketch(seed: int, gradients: np.ndarray, sketch_dim: int) -> np.ndarray:
    """DENSE sketches ``R g`` (not normalised) of float32 gradients ``[n, d]`` or ``[d]``; float32 out."""
    g = np.asarray(gradients, dtype=np.float32)
    single = g.ndim == 1
    g = np.atleast_2d(g)
    r = rademacher_matrix(to_signed64(int(seed)), 0, OUTPUT_FACTOR, int(sketch_dim), g.shape[1])
    out = (g.astype(np.float64) @ r.astype(np.float64).T).astype(np.float32)
    return out[0] if single else out
