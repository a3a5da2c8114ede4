"""The Arrow/JSON fixtures the Python writer commits for the Java tests (PythonFixturesTest in cadc-core).

Rows follow a formula both languages compute exactly: row g of a fixture has step 3g, checkpoint -1 for
g = 0 else g // 3, role g mod 3, sample id (g - 3) * 1000000007, learning rate (g + 1) / 1024, loss
0.5 + 0.25 g and sketch[j] = (g k + j - 10) / 16. Regenerate with CADC_REGENERATE_FIXTURES=1 (the
test ``test_cross_language.py::test_python_fixtures_are_current`` compares them otherwise).
"""
import io
import os

import numpy as np

from cadc import format as wire

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
SKETCHES = "python-sketches.arrows"
SKETCH_STREAM = "python-sketch-stream.arrows"
CURRICULUM = "python-curriculum.arrows"
CAPABILITIES = "python-capabilities.arrows"
RUN_START = "python-run-start.json"
CHECKPOINT_COMPLETE = "python-checkpoint-complete.json"
RUN_END = "python-run-end.json"

SKETCHES_RUN = "py-run-\u00e9\u6f22"
SKETCHES_K, SKETCHES_SEED = 5, -3
STREAM_K, STREAM_SEED = 3, (1 << 63) + 5   # written as its two's-complement negative


def rows(run_id, first, count, k, seed, kind):
    g = np.arange(first, first + count)
    return wire.SketchRows(
        run_id, k, seed, kind,
        step=(3 * g).astype(np.int64),
        checkpoint=np.where(g == 0, -1, g // 3).astype(np.int32),
        role=(g % 3).astype(np.int8),
        sample_id=((g - 3) * 1000000007).astype(np.int64),
        learning_rate=((g + 1) / 1024).astype(np.float32),
        loss=(0.5 + 0.25 * g).astype(np.float32),
        sketch=((g[:, None] * k + np.arange(k)[None, :] - 10) / 16).astype(np.float32))


def curriculum():
    """FormatTestData.curriculum() of the Java tests."""
    e = wire.CurriculumEntry
    return wire.Curriculum("run-2025-demo", 3, 3, 5, 100, 7, 0, [
        e(42, 0, 0, 1, 0.75), e(7, 0, 1, 1, 0.5), e(-9, 1, 0, 0, 1e-12), e(100_000_000_000, 1, 1, 2, 3.25),
        e(13, 2, 0, 2, 0.0)], parameters={
            "budget": "0.05", "k-min": "2", "k-max": "16", "seed": "20251001", "k-rule": "silhouette",
            "aggregation": "strongest", "strongest": "10", "selection": "coverage", "duplicate-threshold": "0.98",
            "harm-rule": "exclude", "stages": "3", "stage-order": "easy-first", "stage-shares": "equal"})


def capabilities():
    """FormatTestData.capabilitySet() of the Java tests."""
    c = wire.CapabilitySummary
    return wire.CapabilitySet("run-2025-demo", 3, 3, [
        c(0, (11, 12, 13), 0.25, 40), c(1, (), 1.5, 0), c(4, (-1, (1 << 63) - 1), 2.75, 60)])


def generate():
    """File name -> bytes, written with the built-in Arrow writer (whatever CADC_ARROW says)."""
    saved = os.environ.get("CADC_ARROW")
    os.environ["CADC_ARROW"] = "builtin"
    try:
        return _generate()
    finally:
        if saved is None:
            del os.environ["CADC_ARROW"]
        else:
            os.environ["CADC_ARROW"] = saved


def _generate():
    files = {SKETCHES: wire.encode_sketches(rows(SKETCHES_RUN, 0, 7, SKETCHES_K, SKETCHES_SEED, "kronecker"))}
    out = io.BytesIO()
    with wire.SketchStreamWriter(out, STREAM_K, STREAM_SEED, "dense") as writer:
        writer.write(rows("a", 0, 3, STREAM_K, STREAM_SEED, "dense"))
        b = rows("b", 3, 2, STREAM_K, STREAM_SEED, "dense")
        a = rows("a", 5, 2, STREAM_K, STREAM_SEED, "dense")
        _write_two_runs(writer, b, a)
    files[SKETCH_STREAM] = out.getvalue()
    files[CURRICULUM] = wire.encode_curriculum(curriculum())
    files[CAPABILITIES] = wire.encode_capabilities(capabilities())
    files[RUN_START] = wire.encode_run_start("run-2025-demo", 8, -7046029254386353131, "kronecker", "pool",
                                             layers=[{"name": "encoder.fc", "shape": [4, 6]},
                                                     {"name": "head", "shape": [2, 4]}])
    files[CHECKPOINT_COMPLETE] = wire.encode_checkpoint_complete("run-2025-demo", 3, 1234)
    files[RUN_END] = wire.encode_run_end("run-2025-demo", 7)
    return files


def _write_two_runs(writer, first, second):
    """One record batch holding rows of two runs (a stream file may; a Kafka value may not)."""
    from cadc import arrow_ipc
    n1, n2 = len(first), len(second)
    columns = [[first.run_id] * n1 + [second.run_id] * n2] + [
        np.concatenate([getattr(first, name), getattr(second, name)])
        for name in ("step", "checkpoint", "role", "sample_id", "learning_rate", "loss", "sketch")]
    writer._out.write(arrow_ipc.record_batch_message(writer._schema, columns, n1 + n2))
