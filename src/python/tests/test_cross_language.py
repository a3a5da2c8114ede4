"""Arrow and JSON bytes across languages: Java's read by Python, Python's committed for the Java tests."""
import io
import math
import os

import numpy as np
import pytest

import cross_fixtures
from cadc import arrow_ipc, format as wire
from conftest import REPO

EXAMPLES = os.path.join(REPO, "schemas", "examples")


def example(name):
    return open(os.path.join(EXAMPLES, name), "rb").read()


def test_python_fixtures_are_current():
    """The committed fixtures the Java PythonFixturesTest reads equal what the writer produces now."""
    generated = cross_fixtures.generate()
    if os.environ.get("CADC_REGENERATE_FIXTURES") == "1":
        for name, data in generated.items():
            with open(os.path.join(cross_fixtures.FIXTURES, name), "wb") as handle:
                handle.write(data)
    for name, data in generated.items():
        with open(os.path.join(cross_fixtures.FIXTURES, name), "rb") as handle:
            assert handle.read() == data, f"{name} is stale: rerun with CADC_REGENERATE_FIXTURES=1"


def test_java_sketch_example_decodes_to_the_java_fixture_rows():
    """schemas/examples/sketches.arrows = FormatTestData.sketchBatch() of the Java tests."""
    rows = wire.decode_sketches(example("sketches.arrows"))
    assert (rows.run_id, rows.sketch_dim, rows.projection_seed, rows.projection_kind) == (
        "run-2025-demo", 8, -7046029254386353131, "kronecker")
    r = np.arange(6)
    assert rows.step.tolist() == (10 * r).tolist()
    assert rows.checkpoint.tolist() == [-1, 0, 0, 0, 0, 0]
    assert rows.role.tolist() == [0, 0, 1, 1, 2, 2]
    assert rows.sample_id.tolist() == (1_000_000_007 * r - 3).tolist()
    assert rows.learning_rate.tolist() == [float(np.float32(np.float32(0.01) / np.float32(1 + i))) for i in r]
    assert rows.loss.tolist() == [float(np.float32(2.5) - np.float32(0.25) * np.float32(i)) for i in r]
    expected = np.array([[math.sin(1.0 + row * 8 + i) for i in range(8)] for row in r], np.float32) / np.float32(3)
    np.testing.assert_allclose(rows.sketch, expected, rtol=2e-7, atol=1e-8)
    assert rows.sketch.dtype == np.float32 and rows.sketch.shape == (6, 8)


def test_java_curriculum_and_capabilities_examples_decode():
    assert wire.decode_curriculum(example("curriculum.arrows"), "run-2025-demo") == cross_fixtures.curriculum()
    assert wire.decode_capabilities(example("capabilities.arrows"), "run-2025-demo") == cross_fixtures.capabilities()


def test_control_records_are_byte_identical_to_the_java_examples():
    assert wire.encode_run_start("run-2025-demo", 8, -7046029254386353131, "kronecker", "pool") == \
        example("run-start.json")
    assert wire.encode_checkpoint_complete("run-2025-demo", 3, 1234) == example("checkpoint-complete.json")
    assert wire.decode_control_record("run-start", example("run-start.json"))["sketch_dim"] == 8
    record = wire.decode_control_record("run-end", wire.encode_run_end("r", 4))
    assert record == {"run_id": "r", "last_checkpoint": 4}
    for bad in (b'{"run_id":"r","checkpoint":1.0,"rows":3}', b'{"run_id":"r","checkpoint":1}',
                b'{"run_id":"r","run_id":"s","checkpoint":1,"rows":3}', b'[1]', b'{'):
        with pytest.raises(wire.InvalidRecordError, match="BAD_CONTROL_RECORD"):
            wire.decode_control_record("checkpoint-complete", bad)
    with pytest.raises(wire.InvalidRecordError, match="UNKNOWN_RECORD_TYPE"):
        wire.decode_control_record("run-middle", b"{}")


def test_dead_letter_example_value_is_rejected_for_its_nan_loss():
    import base64, json
    letter = json.loads(example("dead-letter.json"))
    with pytest.raises(wire.InvalidRecordError, match="NON_FINITE"):
        wire.decode_sketches(base64.b64decode(letter["value_base64"]))


def test_python_values_round_trip():
    rows = cross_fixtures.rows("run", 0, 9, 4, 12, "kronecker")
    back = wire.decode_sketches(wire.encode_sketches(rows))
    for name in ("step", "checkpoint", "role", "sample_id", "learning_rate", "loss", "sketch"):
        np.testing.assert_array_equal(getattr(back, name), getattr(rows, name))
        assert getattr(back, name).dtype == getattr(rows, name).dtype
    assert (back.run_id, back.sketch_dim, back.projection_seed, back.projection_kind) == ("run", 4, 12, "kronecker")


def test_sketch_stream_file_yields_one_batch_per_run_of_rows():
    runs = list(wire.read_sketch_stream(os.path.join(cross_fixtures.FIXTURES, cross_fixtures.SKETCH_STREAM)))
    assert [(r.run_id, r.step.tolist()) for r in runs] == [("a", [0, 3, 6]), ("b", [9, 12]), ("a", [15, 18])]
    assert runs[0].projection_seed == -(1 << 63) + 5 and runs[0].projection_kind == "dense"
    out = io.BytesIO()
    with wire.SketchStreamWriter(out, 4, 1) as writer:
        with pytest.raises(ValueError, match="this stream holds"):
            writer.write(cross_fixtures.rows("x", 0, 2, 5, 1, "kronecker"))
        writer.write(cross_fixtures.rows("x", 0, 2, 4, 1, "kronecker"))
        writer.write(cross_fixtures.rows("y", 2, 3, 4, 1, "kronecker"))
    data = out.getvalue()
    assert data.endswith(arrow_ipc.END_OF_STREAM)
    assert [len(r) for r in wire.read_sketch_stream(data)] == [2, 3]
    assert [len(r) for r in wire.read_sketch_stream(data[:-8])] == [2, 3]   # end marker may be absent


@pytest.mark.parametrize("cut", [1, 7, 100, 600, -9])
def test_truncated_or_garbled_values_are_rejected_not_misread(cut):
    value = example("sketches.arrows")
    with pytest.raises(wire.InvalidRecordError):
        wire.decode_sketches(value[:cut] if cut > 0 else value[:cut] + b"\x01\x02\x03\x04\x05\x06\x07\x08\x09")


def test_malformed_values_are_rejected_with_their_reason():
    rows = cross_fixtures.rows("run", 0, 3, 4, 12, "kronecker")
    two_batches = arrow_ipc.write_stream(wire.sketch_schema(4, 12, "kronecker"),
                                         [(wire._sketch_columns(rows), 3)] * 2)
    with pytest.raises(wire.InvalidRecordError, match="MALFORMED_IPC"):
        wire.decode_sketches(two_batches)
    with pytest.raises(wire.InvalidRecordError, match="MALFORMED_IPC"):
        wire.decode_sketches(b"\xff\xff\xff\xff\x00\x00\x10\x00" + b"\x00" * 64)
    with pytest.raises(wire.InvalidRecordError, match="OVERSIZED"):
        wire.decode_sketches(wire.encode_sketches(rows), max_bytes=100)
    schema = wire.sketch_schema(4, 12, "kronecker")
    schema.metadata[wire.META_SCHEMA_VERSION] = "2"
    with pytest.raises(wire.InvalidRecordError, match="UNSUPPORTED_VERSION"):
        wire.decode_sketches(arrow_ipc.write_stream(schema, [(wire._sketch_columns(rows), 3)]))
    schema = wire.sketch_schema(4, 12, "kronecker")
    schema.metadata[wire.META_SKETCH_DIM] = "5"
    with pytest.raises(wire.InvalidRecordError, match="WRONG_DIMENSION"):
        wire.decode_sketches(arrow_ipc.write_stream(schema, [(wire._sketch_columns(rows), 3)]))
    schema = wire.sketch_schema(4, 12, "kronecker")
    schema.fields[1] = arrow_ipc.ArrowField("step", "int32")
    columns = wire._sketch_columns(rows)
    columns[1] = rows.step.astype(np.int32)
    with pytest.raises(wire.InvalidRecordError, match="WRONG_TYPE"):
        wire.decode_sketches(arrow_ipc.write_stream(schema, [(columns, 3)]))
    mixed = wire.SketchRows("a", 4, 12, "kronecker", *[getattr(rows, n) for n in
                            ("step", "checkpoint", "role", "sample_id", "learning_rate", "loss", "sketch")])
    columns = wire._sketch_columns(mixed)
    columns[0] = ["a", "b", "a"]
    with pytest.raises(wire.InvalidRecordError, match="RUN_MISMATCH"):
        wire.decode_sketches(arrow_ipc.write_stream(wire.sketch_schema(4, 12, "kronecker"), [(columns, 3)]))


def test_unknown_extra_columns_are_ignored():
    rows = cross_fixtures.rows("run", 0, 3, 4, 12, "kronecker")
    schema = wire.sketch_schema(4, 12, "kronecker")
    schema.fields.insert(2, arrow_ipc.ArrowField("note", "utf8"))
    schema.fields.append(arrow_ipc.ArrowField("extra", "list", child=arrow_ipc.ArrowField("item", "int64")))
    columns = wire._sketch_columns(rows)
    columns.insert(2, ["x", "yy", ""])
    columns.append([np.array([1, 2]), np.array([], dtype=np.int64), np.array([3])])
    value = arrow_ipc.write_stream(schema, [(columns, 3)])
    back = wire.decode_sketches(value)
    np.testing.assert_array_equal(back.sketch, rows.sketch)
    everything = dict(arrow_ipc.StreamReader(value).next_batch()[1])
    assert everything["note"] == ["x", "yy", ""] and [e.tolist() for e in everything["extra"]] == [[1, 2], [], [3]]
