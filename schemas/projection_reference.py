#!/usr/bin/env python3
"""Reference implementation of the CADC sketch projection (see PROJECTION.md).

Pure Python 3, no dependencies. Run it to print the pinned values that PROJECTION.md
lists and the Java tests assert:  python3 schemas/projection_reference.py
It follows the normative accumulation order, so its sketches are bit-identical to cadc-core's.
"""
import math
import struct

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def mix64(z):
    """SplitMix64 finaliser on an unsigned 64-bit int."""
    z &= MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def stream_start(seed, layer, factor):
    return mix64(seed + GOLDEN * (2 * layer + factor + 1))


def sign(start, entry_index):
    z = mix64(start + GOLDEN * (entry_index + 1))
    return -1.0 if z >> 63 else 1.0


def f32(x):
    """Round a Python float (IEEE double) to the nearest float32, round-half-even."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def rademacher_matrix(seed, layer, factor, rows, cols):
    """Row-major list of float32 values (held as Python floats): sign / sqrt(rows)."""
    start = stream_start(seed, layer, factor)
    scale = f32(1.0 / math.sqrt(rows))
    return [sign(start, n) * scale for n in range(rows * cols)]


def matvec(matrix, rows, cols, vector):
    """Double accumulation in ascending column order, not rounded: sum_c f32(R[r,c]) * f32(x[c])."""
    out = []
    for r in range(rows):
        acc = 0.0
        for c in range(cols):
            acc += matrix[r * cols + c] * vector[c]
        out.append(acc)
    return out


def dense_sketch(seed, gradient, k):
    d = len(gradient)
    g = [f32(x) for x in gradient]
    return [f32(s) for s in matvec(rademacher_matrix(seed, 0, 0, k, d), k, d, g)]


def isqrt(n):
    return math.isqrt(n)


def layer_split(k, shapes):
    """[(k_l, a_l, b_l)] for shapes [(out_l, in_l)]."""
    count = len(shapes)
    result = []
    for l, (out_dim, _) in enumerate(shapes):
        k_l = k // count + (1 if l < k % count else 0)
        limit = min(out_dim, isqrt(k_l))
        a = max(d for d in range(1, max(limit, 1) + 1) if k_l % d == 0)
        result.append((k_l, a, k_l // a))
    return result


def kronecker_factors(seed, layer, out_dim, in_dim, a, b, delta, x):
    u = matvec(rademacher_matrix(seed, layer, 0, a, out_dim), a, out_dim, [f32(t) for t in delta])
    v = matvec(rademacher_matrix(seed, layer, 1, b, in_dim), b, in_dim, [f32(t) for t in x])
    return u, v


def kronecker_sketch(seed, shapes, k, deltas, inputs, normalise=True):
    sketch = []
    for l, ((out_dim, in_dim), (k_l, a, b)) in enumerate(zip(shapes, layer_split(k, shapes))):
        u, v = kronecker_factors(seed, l, out_dim, in_dim, a, b, deltas[l], inputs[l])
        if not normalise:
            sketch += [f32(ui * vj) for ui in u for vj in v]
            continue
        norm = math.sqrt(sum(t * t for t in u)) * math.sqrt(sum(t * t for t in v))
        if norm == 0.0:
            sketch += [0.0] * k_l
        else:
            sketch += [f32((ui * vj) / norm) for ui in u for vj in v]
    return sketch


def kronecker_sequence_sketch(seed, shapes, k, deltas, inputs):
    """Sketch of a sample whose layers see token sequences (PROJECTION.md section 3.1).

    deltas[l][t] / inputs[l][t]: the output-side / input-side vector of layer l at token t.
    M[i][j] = sum_t u_t[i] * v_t[j] (double, t ascending), divided by its Frobenius norm
    (squares summed in row-major order); one token gives exactly kronecker_sketch's part.
    """
    sketch = []
    for l, ((out_dim, in_dim), (k_l, a, b)) in enumerate(zip(shapes, layer_split(k, shapes))):
        if len(deltas[l]) != len(inputs[l]):
            raise ValueError(f"layer {l}: {len(deltas[l])} deltas but {len(inputs[l])} inputs")
        pairs = [kronecker_factors(seed, l, out_dim, in_dim, a, b, d, x) for d, x in zip(deltas[l], inputs[l])]
        if len(pairs) == 1:
            u, v = pairs[0]
            norm = math.sqrt(sum(t * t for t in u)) * math.sqrt(sum(t * t for t in v))
            part = [ui * vj for ui in u for vj in v]
        else:
            part = [0.0] * k_l
            for u, v in pairs:
                for i in range(a):
                    for j in range(b):
                        part[i * b + j] += u[i] * v[j]
            norm = math.sqrt(sum(m * m for m in part))
        sketch += [0.0] * k_l if norm == 0.0 else [f32(m / norm) for m in part]
    return sketch


def java_long(z):
    """The signed 64-bit value Java prints for an unsigned 64-bit int."""
    return z - (1 << 64) if z >> 63 else z


if __name__ == "__main__":
    for z in (0, 1, 42, -1 & MASK64):
        print(f"mix64({java_long(z)}L) = {java_long(mix64(z))}L")
    print(f"streamStart(42, 0, 0) = {java_long(stream_start(42, 0, 0))}L")
    print(f"streamStart(42, 1, 1) = {java_long(stream_start(42, 1, 1))}L")
    rows, cols = 8, 200
    m00 = rademacher_matrix(42, 0, 0, rows, cols)
    m11 = rademacher_matrix(42, 1, 1, rows, cols)
    scale = f32(1.0 / math.sqrt(rows))
    print(f"scale(rows={rows}) = {scale!r}")
    for n in (0, 1, 2, 3, 1000, 1599):
        print(f"seed 42 layer 0 factor 0 {rows}x{cols} entry {n}: sign {int(m00[n] / scale):+d}")
    for n in (0, 1, 2, 3, 1000, 1599):
        print(f"seed 42 layer 1 factor 1 {rows}x{cols} entry {n}: sign {int(m11[n] / scale):+d}")
    print("layer split k=1024 [(10,128),(128,256)]:", layer_split(1024, [(10, 128), (128, 256)]))
    print("layer split k=100 [(3,7),(50,40),(1,9)]:", layer_split(100, [(3, 7), (50, 40), (1, 9)]))
    gradient = [0.1 * (i - 4) for i in range(10)]
    print("dense gradient (as float32):", [repr(f32(t)) for t in gradient])
    print("dense sketch seed 7 k 6 =", [repr(t) for t in dense_sketch(7, gradient, 6)])
    shapes = [(2, 3), (3, 2)]
    deltas = [[0.5, -1.0], [1.0, 2.0, -0.5]]
    inputs = [[1.0, 0.25, -2.0], [3.0, -1.0]]
    print("kronecker split k 8 shapes", shapes, ":", layer_split(8, shapes))
    print("kronecker raw seed 7 k 8 =", [repr(t) for t in kronecker_sketch(7, shapes, 8, deltas, inputs, False)])
    print("kronecker sketch seed 7 k 8 =", [repr(t) for t in kronecker_sketch(7, shapes, 8, deltas, inputs)])
    seq_deltas = [[[0.5, -1.0], [0.25, 2.0]], [[1.0, 2.0, -0.5], [0.0, -1.0, 1.5], [-2.0, 0.5, 0.25]]]
    seq_inputs = [[[1.0, 0.25, -2.0], [-0.5, 1.0, 0.75]], [[3.0, -1.0], [0.5, 0.5], [1.0, -0.25]]]
    print("kronecker sequence sketch seed 7 k 8 (2 and 3 tokens) =",
          [repr(t) for t in kronecker_sequence_sketch(7, shapes, 8, seq_deltas, seq_inputs)])
    one_token = kronecker_sequence_sketch(7, shapes, 8, [[d] for d in deltas], [[x] for x in inputs])
    assert one_token == kronecker_sketch(7, shapes, 8, deltas, inputs), "one token must equal the plain sketch"
    print("kronecker sequence sketch with one token equals the plain sketch: True")
