"""cadc.projection against the Java code: bit-identical matrices, sketches within PROJECTION.md's rounding."""
import hashlib
import importlib.util
import json
import os

import numpy as np
import pytest

from cadc import projection as p
from conftest import HERE, REPO

JAVA = json.load(open(os.path.join(HERE, "fixtures", "java-projection.json")))


def reference():
    spec = importlib.util.spec_from_file_location("projection_reference",
                                                  os.path.join(REPO, "schemas", "projection_reference.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def input_value(layer, token, index, salt):
    """ParityFixturesTest.inputValue: exact multiples of 1/8."""
    return np.float32(((index * 7 + layer * 13 + token * 5 + salt * 3) % 17 - 8) / 8.0)


def case_inputs(case):
    deltas, inputs = [], []
    for l, ((out_dim, in_dim), tokens) in enumerate(zip(case["layers"], case["tokens"])):
        deltas.append(np.array([[input_value(l, t, i, case["delta_salt"]) for i in range(out_dim)]
                                for t in range(tokens)], dtype=np.float32).reshape(tokens, out_dim))
        inputs.append(np.array([[input_value(l, t, i, case["input_salt"]) for i in range(in_dim)]
                                for t in range(tokens)], dtype=np.float32).reshape(tokens, in_dim))
    return deltas, inputs


@pytest.mark.parametrize("m", JAVA["matrices"], ids=lambda m: f"seed{m['seed']}-l{m['layer']}f{m['factor']}")
def test_matrices_are_bit_identical_to_java(m):
    matrix = p.rademacher_matrix(m["seed"], m["layer"], m["factor"], m["rows"], m["cols"])
    assert matrix.dtype == np.float32 and matrix.shape == (m["rows"], m["cols"])
    assert hashlib.sha256(matrix.astype("<f4").tobytes()).hexdigest() == m["sha256"]
    assert matrix.reshape(-1)[:8].tolist() == m["first"]


def test_pinned_generator_values_of_projection_md():
    assert p.mix64(0) == 0
    assert p.mix64(1) == 0x5692161D100B05E5
    assert p.mix64(42) == 0xA759EA27D4727622
    assert p.mix64(-1) == 0xB4D055FCF2CBBD7B
    assert p.mix64(p.GOLDEN) == 0xE220A8397B1DCDAF
    assert p.stream_start(42, 0, 0) == 0xBDD732262FEB6E95
    assert p.stream_start(42, 1, 1) == 0x581CE1FF0E4AE394
    scale = np.float32(0.3535533845424652)
    m00 = p.rademacher_matrix(42, 0, 0, 8, 200).reshape(-1)
    m11 = p.rademacher_matrix(42, 1, 1, 8, 200).reshape(-1)
    assert [m00[n] / scale for n in (0, 1, 2, 3, 1000, 1599)] == [1, -1, 1, 1, -1, 1]
    assert [m11[n] / scale for n in (0, 1, 2, 3, 1000, 1599)] == [1, 1, 1, -1, -1, 1]


def test_layer_split_follows_the_table_of_projection_md():
    assert p.layer_split(1024, [(10, 128), (128, 256)]) == [(512, 8, 64), (512, 16, 32)]
    assert p.layer_split(100, [(3, 7), (50, 40), (1, 9)]) == [(34, 2, 17), (33, 3, 11), (33, 1, 33)]
    assert p.layer_split(1024, [(64, 128)]) == [(1024, 32, 32)]
    assert p.layer_split(13, [(100, 100)]) == [(13, 1, 13)]
    assert p.layer_split(8, [(2, 3), (3, 2)]) == [(4, 2, 2), (4, 2, 2)]
    with pytest.raises(ValueError, match="number of layers"):
        p.layer_split(1, [(2, 3), (3, 2)])


def test_pinned_kronecker_and_sequence_sketches_of_projection_md():
    projection = p.KroneckerProjection(7, [(2, 3), (3, 2)], 8)
    deltas = [np.array([[0.5, -1.0]], np.float32), np.array([[1.0, 2.0, -0.5]], np.float32)]
    inputs = [np.array([[1.0, 0.25, -2.0]], np.float32), np.array([[3.0, -1.0]], np.float32)]
    assert projection.sketch(deltas, inputs)[0].tolist() == [
        0.1860520988702774, -0.682191014289856, 0.1860520988702774, -0.682191014289856,
        0.6499336957931519, -0.6499336957931519, 0.27854299545288086, -0.27854299545288086]
    seq_deltas = [np.array([[[0.5, -1.0], [0.25, 2.0]]], np.float32),
                  np.array([[[1.0, 2.0, -0.5], [0.0, -1.0, 1.5], [-2.0, 0.5, 0.25]]], np.float32)]
    seq_inputs = [np.array([[[1.0, 0.25, -2.0], [-0.5, 1.0, 0.75]]], np.float32),
                  np.array([[[3.0, -1.0], [0.5, 0.5], [1.0, -0.25]]], np.float32)]
    expected = [0.3137644827365875, -0.6336811780929565, 0.3137644827365875, -0.6336811780929565,
                0.566763162612915, -0.566763162612915, 0.42282330989837646, -0.42282330989837646]
    assert projection.sketch(seq_deltas, seq_inputs)[0].tolist() == expected
    ref = reference()
    assert ref.kronecker_sequence_sketch(7, [(2, 3), (3, 2)], 8, [d[0].tolist() for d in seq_deltas],
                                         [x[0].tolist() for x in seq_inputs]) == expected


def test_dense_sketches_equal_java():
    for case in JAVA["dense"]:
        gradient = np.array([input_value(0, 0, i, case["salt"]) for i in range(case["d"])], np.float32)
        sketch = p.dense_sketch(case["seed"], gradient, case["k"])
        np.testing.assert_allclose(sketch, np.array(case["sketch"], np.float32), rtol=1e-6, atol=1e-7)
    first = JAVA["dense"][0]
    gradient = [float(input_value(0, 0, i, first["salt"])) for i in range(first["d"])]
    assert reference().dense_sketch(first["seed"], gradient, first["k"]) == first["sketch"]


@pytest.mark.parametrize("case", JAVA["kronecker"], ids=lambda c: f"k{c['k']}-tokens{c['tokens']}")
def test_kronecker_sketches_equal_java(case):
    deltas, inputs = case_inputs(case)
    projection = p.KroneckerProjection(case["seed"], [tuple(s) for s in case["layers"]], case["k"])
    sketch = projection.sketch([d[None] for d in deltas], [x[None] for x in inputs])[0]
    java = np.array(case["sketch"], np.float32)
    # PROJECTION.md section 4: another summation order may change the last bit of a double
    # accumulator, which can move a float32 result by one ulp.
    ulps = np.abs(sketch.view(np.int32).astype(np.int64) - java.view(np.int32).astype(np.int64))
    assert ulps.max() <= 1, f"max {ulps.max()} ulps apart"
    assert (ulps == 0).mean() > 0.99


def test_reference_implementation_equals_java_bit_for_bit():
    ref = reference()
    case = JAVA["kronecker"][1]  # three layers, one token each
    deltas, inputs = case_inputs(case)
    shapes = [tuple(s) for s in case["layers"]]
    assert ref.kronecker_sketch(case["seed"], shapes, case["k"], [d[0].tolist() for d in deltas],
                                [x[0].tolist() for x in inputs]) == case["sketch"]
    seq = JAVA["kronecker"][3]
    deltas, inputs = case_inputs(seq)
    assert ref.kronecker_sequence_sketch(seq["seed"], [tuple(s) for s in seq["layers"]], seq["k"],
                                         [d.tolist() for d in deltas], [x.tolist() for x in inputs]) == seq["sketch"]


def test_batch_sketch_equals_per_sample_sketches_and_rejects_bad_shapes():
    projection = p.KroneckerProjection(11, [(4, 6), (3, 4)], 20)
    rng = np.random.default_rng(0)
    deltas = [rng.standard_normal((5, 2, 4)).astype(np.float32), rng.standard_normal((5, 2, 3)).astype(np.float32)]
    inputs = [rng.standard_normal((5, 2, 6)).astype(np.float32), rng.standard_normal((5, 2, 4)).astype(np.float32)]
    batch = projection.sketch(deltas, inputs)
    for n in range(5):
        one = projection.sketch([d[n:n + 1] for d in deltas], [x[n:n + 1] for x in inputs])
        np.testing.assert_array_equal(one[0], batch[n])
    parts = [batch[:, :10], batch[:, 10:]]
    for part in parts:
        np.testing.assert_allclose(np.linalg.norm(part, axis=1), 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="layer 0 has shape"):
        projection.sketch([deltas[1], deltas[1]], inputs)
    with pytest.raises(ValueError, match="one delta and one input array per layer"):
        projection.sketch(deltas[:1], inputs)
    zero = projection.sketch([np.zeros((1, 4), np.float32), np.ones((1, 3), np.float32)],
                             [np.ones((1, 6), np.float32), np.ones((1, 4), np.float32)])
    assert not zero[0, :10].any() and zero[0, 10:].any()
