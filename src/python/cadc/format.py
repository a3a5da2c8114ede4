"""The CADC wire format (``schemas/README.md``): topics, headers, control records and Arrow values.

Arrow values are written and read with pyarrow when it is importable, otherwise with the built-in
:mod:`cadc.arrow_ipc` (set the environment variable ``CADC_ARROW=builtin`` to force it). Both give the
same rows; the built-in writer's bytes are what the cross-language tests pin.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from typing import BinaryIO, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import arrow_ipc
from .arrow_ipc import ArrowField, ArrowFormatError, ArrowSchema
import re

SCHEMA_VERSION = 1
SCHEMA_VERSION_TEXT = "1"
RUN_END_SCHEMA_VERSION_TEXT = "2"

TOPIC_SKETCHES = "cadc.sketches"
TOPIC_CURRICULUM = "cadc.curriculum"
TOPIC_CAPABILITIES = "cadc.capabilities"
TOPIC_DEAD_LETTER = "cadc.dead-letter"
TOPIC_PROBES = "cadc.probes"

HEADER_SCHEMA_VERSION = "cadc-schema-version"
HEADER_CONTENT_TYPE = "content-type"
HEADER_RECORD_TYPE = "cadc-record-type"
CONTENT_TYPE_ARROW = "application/vnd.apache.arrow.stream"
CONTENT_TYPE_JSON = "application/json"
RECORD_TYPE_RUN_START = "run-start"
RECORD_TYPE_CHECKPOINT_COMPLETE = "checkpoint-complete"
RECORD_TYPE_RUN_END = "run-end"

META_SCHEMA_VERSION = "cadc.schema.version"
META_SKETCH_DIM = "cadc.sketch.dim"
META_PROJECTION_SEED = "cadc.projection.seed"
META_PROJECTION_KIND = "cadc.projection.kind"
META_CURRICULUM_VERSION = "cadc.curriculum.version"
META_CAPABILITIES_VERSION = "cadc.capabilities.version"
META_CHECKPOINT = "cadc.checkpoint"
META_BUDGET = "cadc.budget"
META_POOL_SIZE = "cadc.pool.size"
META_HARMFUL_COUNT = "cadc.harmful.count"
META_SHORTFALL = "cadc.shortfall"
#: The curation parameters that produced a curriculum version (JSON object of name -> value text); optional.
META_CURATION_PARAMETERS = "cadc.curation.parameters"

#: Largest record on CADC's topics (the topics' max.message.bytes when CADC creates them).
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
#: Default limit on a value's size when decoding.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
#: Partitions of cadc.sketches when CADC creates it.
DEFAULT_SKETCH_PARTITIONS = 4

ROLES = {"train": 0, "pool": 1, "probe": 2}
ROLE_NAMES = {code: name for name, code in ROLES.items()}
PROJECTION_KINDS = ("dense", "kronecker")
INFLUENCE_SOURCES = ("pool", "train")

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


class InvalidRecordError(ValueError):
    """A value that breaks the wire format; ``reason`` is the dead-letter reason code name."""

    def __init__(self, reason: str, message: str):
        super().__init__(f"{reason}: {message}")
        self.reason = reason


def _use_pyarrow() -> bool:
    if os.environ.get("CADC_ARROW", "").lower() == "builtin":
        return False
    try:
        import pyarrow  # noqa: F401
        return True
    except ImportError:
        return False


def arrow_backend() -> str:
    """``"pyarrow"`` or ``"builtin"``: what this process writes and reads Arrow values with."""
    return "pyarrow" if _use_pyarrow() else "builtin"


# ---- schemas ------------------------------------------------------------------------------------

def _f(name, kind, **kw):
    return ArrowField(name, kind, False, **kw)


def sketch_schema(sketch_dim: int, seed: int, kind: str) -> ArrowSchema:
    return ArrowSchema(
        [_f("run_id", "utf8"), _f("step", "int64"), _f("checkpoint", "int32"), _f("role", "int8"),
         _f("sample_id", "int64"), _f("learning_rate", "float32"), _f("loss", "float32"),
         _f("sketch", "fixed_size_list", list_size=sketch_dim, child=_f("item", "float32"))],
        {META_SCHEMA_VERSION: SCHEMA_VERSION_TEXT, META_SKETCH_DIM: str(sketch_dim),
         META_PROJECTION_SEED: str(seed), META_PROJECTION_KIND: kind})


def curriculum_schema(version, checkpoint, budget, pool_size, harmful_count, shortfall, parameters=None) -> ArrowSchema:
    return ArrowSchema(
        [_f("sample_id", "int64"), _f("stage", "int32"), _f("position", "int32"), _f("capability", "int32"),
         _f("influence", "float64")],
        {META_SCHEMA_VERSION: SCHEMA_VERSION_TEXT, META_CURRICULUM_VERSION: str(version),
         META_CHECKPOINT: str(checkpoint), META_BUDGET: str(budget), META_POOL_SIZE: str(pool_size),
         META_HARMFUL_COUNT: str(harmful_count), META_SHORTFALL: str(shortfall),
         META_CURATION_PARAMETERS: json.dumps(dict(parameters or {}), separators=(",", ":"))})


def capabilities_schema(version, checkpoint) -> ArrowSchema:
    return ArrowSchema(
        [_f("capability", "int32"), _f("probes", "list", child=_f("item", "int64")), _f("difficulty", "float64"),
         _f("attributed", "int64")],
        {META_SCHEMA_VERSION: SCHEMA_VERSION_TEXT, META_CAPABILITIES_VERSION: str(version),
         META_CHECKPOINT: str(checkpoint)})


# ---- sketch rows --------------------------------------------------------------------------------

@dataclass
class SketchRows:
    """Rows of one run in the ``cadc.sketches`` schema (numpy columns of the wire types)."""
    run_id: str
    sketch_dim: int
    projection_seed: int
    projection_kind: str
    step: np.ndarray           # int64 [n]
    checkpoint: np.ndarray     # int32 [n]
    role: np.ndarray           # int8 [n]
    sample_id: np.ndarray      # int64 [n]
    learning_rate: np.ndarray  # float32 [n]
    loss: np.ndarray           # float32 [n]
    sketch: np.ndarray         # float32 [n, k]

    def __len__(self):
        return len(self.sample_id)

    def take(self, index) -> "SketchRows":
        """The rows at ``index`` (a slice, boolean mask or index array), same run and projection."""
        return SketchRows(self.run_id, self.sketch_dim, self.projection_seed, self.projection_kind,
                          self.step[index], self.checkpoint[index], self.role[index], self.sample_id[index],
                          self.learning_rate[index], self.loss[index], self.sketch[index])

    def check(self) -> "SketchRows":
        """Raises :class:`InvalidRecordError` unless the rows are a valid value (what the job checks)."""
        n = len(self.sample_id)
        if not self.run_id:
            raise InvalidRecordError("NULL_VALUE", "run_id is empty")
        if self.projection_kind not in PROJECTION_KINDS:
            raise InvalidRecordError("INVALID_VALUE", f"unknown projection kind {self.projection_kind!r}")
        for name, dtype in (("step", np.int64), ("checkpoint", np.int32), ("role", np.int8),
                            ("sample_id", np.int64), ("learning_rate", np.float32), ("loss", np.float32)):
            column = getattr(self, name)
            if column.dtype != dtype or column.shape != (n,):
                raise InvalidRecordError("WRONG_TYPE", f"{name} must be {np.dtype(dtype).name} [{n}], "
                                                       f"got {column.dtype} {column.shape}")
        if self.sketch.dtype != np.float32 or self.sketch.shape != (n, self.sketch_dim):
            raise InvalidRecordError("WRONG_DIMENSION", f"sketch must be float32 [{n}, {self.sketch_dim}], got "
                                                        f"{self.sketch.dtype} {self.sketch.shape}")
        for name in ("learning_rate", "loss", "sketch"):
            if not np.all(np.isfinite(getattr(self, name))):
                raise InvalidRecordError("NON_FINITE", f"{name} holds NaN or infinity")
        if np.any((self.role < 0) | (self.role > 2)):
            raise InvalidRecordError("UNKNOWN_ROLE", f"role outside 0..2: {sorted(set(self.role.tolist()))}")
        if np.any(self.step < 0):
            raise InvalidRecordError("INVALID_VALUE", "negative step")
        if np.any(self.checkpoint < -1) or np.any((self.role != 0) & (self.checkpoint < 0)):
            raise InvalidRecordError("INVALID_VALUE", "checkpoint below -1, or a POOL/PROBE row before checkpoint 0")
        return self


def _sketch_columns(rows: SketchRows):
    n = len(rows)
    return [[rows.run_id] * n, rows.step, rows.checkpoint, rows.role, rows.sample_id, rows.learning_rate,
            rows.loss, rows.sketch]


def encode_sketches(rows: SketchRows) -> bytes:
    """One ``cadc.sketches`` value: an IPC stream with the schema, one record batch, end-of-stream."""
    rows.check()
    if len(rows) == 0:
        raise InvalidRecordError("MALFORMED_IPC", "a sketch record carries at least one row")
    schema = sketch_schema(rows.sketch_dim, rows.projection_seed, rows.projection_kind)
    if _use_pyarrow():
        return _pyarrow_stream(schema, [(_sketch_columns(rows), len(rows))])
    return arrow_ipc.write_stream(schema, [(_sketch_columns(rows), len(rows))])


class SketchStreamWriter:
    """Writes sketch rows of one projection (any runs) as ONE Arrow IPC stream file, as
    ``cadc curate --sketches FILE`` reads: the schema once, a record batch per :meth:`write`, and the
    end-of-stream marker on :meth:`close`. A context manager."""

    def __init__(self, out: Union[str, os.PathLike, BinaryIO], sketch_dim: int, projection_seed: int,
                 projection_kind: str = "kronecker"):
        if projection_kind not in PROJECTION_KINDS:
            raise ValueError(f"projection_kind must be one of {PROJECTION_KINDS}, got {projection_kind!r}")
        if not isinstance(sketch_dim, (int, np.integer)) or not 1 <= sketch_dim <= INT32_MAX:
            raise ValueError(f"sketch_dim must be an int in [1, {INT32_MAX}], got {sketch_dim!r}")
        self.sketch_dim = int(sketch_dim)
        self.projection_seed = _signed64(projection_seed)
        self.projection_kind = projection_kind
        self._schema = sketch_schema(self.sketch_dim, self.projection_seed, projection_kind)
        self._owns = not hasattr(out, "write")
        self._out = open(out, "wb") if self._owns else out
        self._closed = False
        self._pa_writer = None
        if _use_pyarrow():
            import pyarrow as pa
            self._pa_schema = _pa_schema(self._schema)
            self._pa_writer = pa.ipc.new_stream(self._out, self._pa_schema)
        else:
            self._out.write(arrow_ipc.schema_message(self._schema))

    def write(self, rows: SketchRows):
        if self._closed:
            raise ValueError("the sketch stream writer is closed")
        if (rows.sketch_dim, _signed64(rows.projection_seed), rows.projection_kind) != (
                self.sketch_dim, self.projection_seed, self.projection_kind):
            raise ValueError(f"rows of run {rows.run_id} have projection (k {rows.sketch_dim}, seed "
                             f"{rows.projection_seed}, {rows.projection_kind}) but this stream holds (k "
                             f"{self.sketch_dim}, seed {self.projection_seed}, {self.projection_kind})")
        rows.check()
        if self._pa_writer is not None:
            self._pa_writer.write_batch(_pa_batch(self._pa_schema, _sketch_columns(rows), len(rows)))
        else:
            self._out.write(arrow_ipc.record_batch_message(self._schema, _sketch_columns(rows), len(rows)))

    def close(self):
        if self._closed:
            return
        self._closed = True
        if self._pa_writer is not None:
            self._pa_writer.close()
        else:
            self._out.write(arrow_ipc.END_OF_STREAM)
        if self._owns:
            self._out.close()
        else:
            self._out.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---- reading ------------------------------------------------------------------------------------

_COLUMNS = {"sketch": ("run_id", "step", "checkpoint", "role", "sample_id", "learning_rate", "loss", "sketch"),
            "curriculum": ("sample_id", "stage", "position", "capability", "influence"),
            "capabilities": ("capability", "probes", "difficulty", "attributed")}
_COLUMNS["sketch stream"] = _COLUMNS["sketch"]


def _read_stream(data: bytes, max_bytes: int, what: str):
    """(metadata, [(rows, columns)], fields) of an IPC stream, via pyarrow or the built-in reader."""
    if data is None:
        raise InvalidRecordError("NULL_VALUE", f"{what} record has a null value")
    if len(data) > max_bytes:
        raise InvalidRecordError("OVERSIZED", f"{what} value of {len(data)} bytes exceeds the limit of {max_bytes}")
    if _use_pyarrow():
        return _pyarrow_read(data, what)
    try:
        reader = arrow_ipc.StreamReader(bytes(data), max_bytes, wanted=_COLUMNS[what])
        batches = list(reader.batches())
    except arrow_ipc.NullValueError as e:
        raise InvalidRecordError("NULL_VALUE", str(e)) from None
    except ArrowFormatError as e:
        raise InvalidRecordError("MALFORMED_IPC", f"{what} value is not a valid Arrow IPC stream: {e}") from None
    trailing = not reader.at_end_of_input
    return reader.schema, batches, trailing


def _require_field(schema: ArrowSchema, name: str, kind: str):
    found = [f for f in schema.fields if f.name == name]
    if not found:
        raise InvalidRecordError("MISSING_COLUMN", f"required column '{name}' is missing; the schema has "
                                                   f"{[f.name for f in schema.fields]}")
    if len(found) > 1:
        raise InvalidRecordError("WRONG_TYPE", f"column '{name}' appears more than once")
    f = found[0]
    if f.dictionary:
        raise InvalidRecordError("WRONG_TYPE", f"column '{name}' must not be dictionary-encoded")
    if f.type != kind:
        raise InvalidRecordError("WRONG_TYPE", f"column '{name}' must be {kind}, got {f.type}")
    return f


def _metadata(schema: ArrowSchema, key: str) -> str:
    if key not in schema.metadata:
        raise InvalidRecordError("MISSING_COLUMN", f"required schema metadata key '{key}' is missing")
    return schema.metadata[key]


def _metadata_int(schema: ArrowSchema, key: str, low: int, high: int) -> int:
    text = _metadata(schema, key)
    try:
        value = int(text.strip())
    except ValueError:
        raise InvalidRecordError("INVALID_VALUE", f"metadata '{key}' must be a decimal integer, got {text!r}") from None
    if not low <= value <= high:
        raise InvalidRecordError("INVALID_VALUE", f"metadata '{key}' must be in [{low}, {high}], got {value}")
    return value


def _require_version(schema: ArrowSchema):
    version = _metadata(schema, META_SCHEMA_VERSION)
    if version.strip() != SCHEMA_VERSION_TEXT:
        raise InvalidRecordError("UNSUPPORTED_VERSION", f"{META_SCHEMA_VERSION} is {version!r}; this client reads "
                                                        f"version {SCHEMA_VERSION} only")


def _sketch_projection(schema: ArrowSchema) -> Tuple[int, int, str]:
    _require_version(schema)
    k = _metadata_int(schema, META_SKETCH_DIM, 1, INT32_MAX)
    seed = _metadata_int(schema, META_PROJECTION_SEED, INT64_MIN, INT64_MAX)
    kind = _metadata(schema, META_PROJECTION_KIND).strip()
    if kind not in PROJECTION_KINDS:
        raise InvalidRecordError("INVALID_VALUE", f"metadata '{META_PROJECTION_KIND}': unknown kind {kind!r}")
    for name, kind_name in (("run_id", "utf8"), ("step", "int64"), ("checkpoint", "int32"), ("role", "int8"),
                            ("sample_id", "int64"), ("learning_rate", "float32"), ("loss", "float32")):
        _require_field(schema, name, kind_name)
    sketch = _require_field(schema, "sketch", "fixed_size_list")
    if sketch.child is None or sketch.child.type != "float32":
        raise InvalidRecordError("WRONG_TYPE", f"column 'sketch' must hold float32 items")
    if sketch.list_size != k:
        raise InvalidRecordError("WRONG_DIMENSION", f"column 'sketch' holds lists of {sketch.list_size} floats but "
                                                    f"metadata '{META_SKETCH_DIM}' says {k}")
    return k, seed, kind


def _sketch_runs(rows: int, columns, projection) -> List[SketchRows]:
    k, seed, kind = projection
    run_ids = columns["run_id"]
    result = []
    start = 0
    while start < rows:
        end = start + 1
        while end < rows and run_ids[end] == run_ids[start]:
            end += 1
        part = slice(start, end)
        sketch = np.asarray(columns["sketch"], dtype=np.float32).reshape(rows, k)[part]
        result.append(SketchRows(run_ids[start], k, seed, kind, columns["step"][part], columns["checkpoint"][part],
                                 columns["role"][part], columns["sample_id"][part], columns["learning_rate"][part],
                                 columns["loss"][part], sketch).check())
        start = end
    return result


def decode_sketches(value: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> SketchRows:
    """Decodes one ``cadc.sketches`` value (exactly one record batch of one run), checking it as the job does."""
    schema, batches, trailing = _read_stream(value, max_bytes, "sketch")
    projection = _sketch_projection(schema)
    if len(batches) != 1:
        raise InvalidRecordError("MALFORMED_IPC", f"a sketch value holds {len(batches)} record batches; expected one")
    if trailing:
        raise InvalidRecordError("MALFORMED_IPC", "sketch value has bytes after its end-of-stream marker")
    rows, columns = batches[0]
    if rows == 0:
        raise InvalidRecordError("MALFORMED_IPC", "the sketch record batch has no rows")
    runs = _sketch_runs(rows, columns, projection)
    if len(runs) > 1:
        raise InvalidRecordError("RUN_MISMATCH", f"one record holds rows of several runs: "
                                                 f"{sorted({r.run_id for r in runs})}")
    return runs[0]


def read_sketch_stream(source: Union[bytes, str, os.PathLike, BinaryIO],
                       max_bytes: int = 1 << 40) -> Iterator[SketchRows]:
    """The rows of a sketch stream file, one :class:`SketchRows` per run of consecutive rows of one run."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif hasattr(source, "read"):
        data = source.read()
    else:
        with open(source, "rb") as handle:
            data = handle.read()
    schema, batches, trailing = _read_stream(data, max_bytes, "sketch stream")
    if trailing:
        raise InvalidRecordError("MALFORMED_IPC", "sketch stream has bytes after its end-of-stream marker")
    projection = _sketch_projection(schema)
    for rows, columns in batches:
        yield from _sketch_runs(rows, columns, projection)


@dataclass(frozen=True)
class CurriculumEntry:
    sample_id: int
    stage: int
    position: int
    capability: int
    influence: float


@dataclass
class Curriculum:
    """One version of a run's curriculum, as on ``cadc.curriculum``.

    ``stages``: per stage, first stage first, the sample ids that stage introduces in position order
    (as ``cadc curate --out`` lists them; stages are cumulative, so stage s trains on the ids of
    ``stages[0..s]``); ``stage_numbers[i]`` is the stage number of ``stages[i]`` (the job numbers from 1).
    """
    run_id: str
    version: int
    checkpoint: int
    budget: int
    pool_size: int
    harmful_count: int
    shortfall: int
    entries: List[CurriculumEntry]
    stages: List[List[int]] = field(default_factory=list)
    stage_numbers: List[int] = field(default_factory=list)
    #: the curation parameters that produced this version (name -> value text; empty when not recorded)
    parameters: Dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        if not self.stages and self.entries:
            by_stage: Dict[int, List[int]] = {}
            for entry in self.entries:
                by_stage.setdefault(entry.stage, []).append(entry.sample_id)
            self.stage_numbers = sorted(by_stage)
            self.stages = [by_stage[s] for s in self.stage_numbers]

    def sample_ids_up_to(self, stage: int) -> List[int]:
        """Every sample id introduced in stages numbered ``<= stage``, in curriculum order (cumulative)."""
        return [e.sample_id for e in self.entries if e.stage <= stage]


def encode_curriculum(curriculum: Curriculum) -> bytes:
    """The ``cadc.curriculum`` value of ``curriculum`` (the run id is the record key, not in the value)."""
    c = curriculum
    schema = curriculum_schema(c.version, c.checkpoint, c.budget, c.pool_size, c.harmful_count, c.shortfall, c.parameters)
    e = c.entries
    columns = [np.array([x.sample_id for x in e], dtype=np.int64), np.array([x.stage for x in e], dtype=np.int32),
               np.array([x.position for x in e], dtype=np.int32), np.array([x.capability for x in e], dtype=np.int32),
               np.array([x.influence for x in e], dtype=np.float64)]
    if _use_pyarrow():
        return _pyarrow_stream(schema, [(columns, len(e))])
    return arrow_ipc.write_stream(schema, [(columns, len(e))])


def decode_curriculum(value: bytes, run_id: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Curriculum:
    """Decodes a ``cadc.curriculum`` value whose record key is ``run_id``, with the Java codec's checks."""
    schema, batches, trailing = _read_stream(value, max_bytes, "curriculum")
    _require_version(schema)
    header = {key: _metadata_int(schema, key, 0, INT32_MAX if key == META_CHECKPOINT else INT64_MAX)
              for key in (META_CURRICULUM_VERSION, META_CHECKPOINT, META_BUDGET, META_POOL_SIZE,
                          META_HARMFUL_COUNT, META_SHORTFALL)}
    for name, kind in (("sample_id", "int64"), ("stage", "int32"), ("position", "int32"), ("capability", "int32"),
                       ("influence", "float64")):
        _require_field(schema, name, kind)
    if len(batches) != 1 or trailing:
        raise InvalidRecordError("MALFORMED_IPC", f"a curriculum value holds {len(batches)} record batches"
                                                  f"{' and trailing bytes' if trailing else ''}; expected one")
    rows, columns = batches[0]
    entries = []
    seen = set()
    previous = None
    for i in range(rows):
        entry = CurriculumEntry(int(columns["sample_id"][i]), int(columns["stage"][i]), int(columns["position"][i]),
                                int(columns["capability"][i]), float(columns["influence"][i]))
        if entry.stage < 0 or entry.position < 0 or entry.capability < 0:
            raise InvalidRecordError("INVALID_VALUE", f"sample {entry.sample_id}: negative stage, position or capability")
        if not math.isfinite(entry.influence):
            raise InvalidRecordError("NON_FINITE", f"sample {entry.sample_id}: influence {entry.influence}")
        if previous is not None and (entry.stage, entry.position) <= (previous.stage, previous.position):
            raise InvalidRecordError("INVALID_VALUE", f"curriculum out of (stage, position) order at row {i}")
        if entry.sample_id in seen:
            raise InvalidRecordError("INVALID_VALUE", f"sample {entry.sample_id} appears twice")
        seen.add(entry.sample_id)
        entries.append(entry)
        previous = entry
    return Curriculum(run_id, header[META_CURRICULUM_VERSION], header[META_CHECKPOINT], header[META_BUDGET],
                      header[META_POOL_SIZE], header[META_HARMFUL_COUNT], header[META_SHORTFALL], entries,
                      parameters=_curation_parameters(schema))


def _curation_parameters(schema) -> Dict[str, str]:
    text = schema.metadata.get(META_CURATION_PARAMETERS)
    if text is None or not text.strip():
        return {}
    try:
        parameters = json.loads(text)
    except ValueError as error:
        raise InvalidRecordError("INVALID_VALUE", f"{META_CURATION_PARAMETERS} is not JSON: {error}") from None
    if not isinstance(parameters, dict) or not all(isinstance(v, str) for v in parameters.values()):
        raise InvalidRecordError("INVALID_VALUE", f"{META_CURATION_PARAMETERS} must be a JSON object of strings")
    return parameters


@dataclass(frozen=True)
class CapabilitySummary:
    capability: int
    probes: Tuple[int, ...]
    difficulty: float
    attributed: int


@dataclass
class CapabilitySet:
    run_id: str
    version: int
    checkpoint: int
    capabilities: List[CapabilitySummary]


def encode_capabilities(capabilities: CapabilitySet) -> bytes:
    schema = capabilities_schema(capabilities.version, capabilities.checkpoint)
    c = capabilities.capabilities
    columns = [np.array([x.capability for x in c], dtype=np.int32), [np.array(x.probes, dtype=np.int64) for x in c],
               np.array([x.difficulty for x in c], dtype=np.float64), np.array([x.attributed for x in c], dtype=np.int64)]
    if _use_pyarrow():
        return _pyarrow_stream(schema, [(columns, len(c))])
    return arrow_ipc.write_stream(schema, [(columns, len(c))])


def decode_capabilities(value: bytes, run_id: str, max_bytes: int = DEFAULT_MAX_BYTES) -> CapabilitySet:
    schema, batches, trailing = _read_stream(value, max_bytes, "capabilities")
    _require_version(schema)
    version = _metadata_int(schema, META_CAPABILITIES_VERSION, 0, INT64_MAX)
    checkpoint = _metadata_int(schema, META_CHECKPOINT, 0, INT32_MAX)
    for name, kind in (("capability", "int32"), ("probes", "list"), ("difficulty", "float64"), ("attributed", "int64")):
        _require_field(schema, name, kind)
    if len(batches) != 1 or trailing:
        raise InvalidRecordError("MALFORMED_IPC", "a capabilities value holds one record batch")
    rows, columns = batches[0]
    return CapabilitySet(run_id, version, checkpoint, [
        CapabilitySummary(int(columns["capability"][i]), tuple(int(p) for p in columns["probes"][i]),
                          float(columns["difficulty"][i]), int(columns["attributed"][i])) for i in range(rows)])


# ---- control records ----------------------------------------------------------------------------

def _json(fields: Dict[str, object]) -> bytes:
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def encode_run_start(run_id: str, sketch_dim: int, projection_seed: int, projection_kind: str,
                     influence_source: str, layers: Optional[Sequence[Dict[str, object]]] = None) -> bytes:
    """The run-start JSON (fields in schema order, compact, as the Java codec writes it); ``layers`` is an
    optional extra field ``[{"name": ..., "shape": [out, in]}, ...]`` that readers may ignore."""
    record = {"run_id": run_id, "sketch_dim": int(sketch_dim), "projection_seed": _signed64(projection_seed),
              "projection_kind": projection_kind, "influence_source": influence_source}
    if layers is not None:
        record["layers"] = [{"name": str(layer["name"]), "shape": [int(d) for d in layer["shape"]]} for layer in layers]
    return _json(record)


def encode_checkpoint_complete(run_id: str, checkpoint: int, rows: int) -> bytes:
    return _json({"run_id": run_id, "checkpoint": int(checkpoint), "rows": int(rows)})


def encode_run_end(run_id: str, last_checkpoint: int) -> bytes:
    return _json({"run_id": run_id, "last_checkpoint": int(last_checkpoint)})


def decode_control_record(record_type: str, value: bytes) -> Dict[str, object]:
    """Parses a control record of type ``record_type`` and checks its required fields (BAD_CONTROL_RECORD)."""
    required = {RECORD_TYPE_RUN_START: {"run_id": str, "sketch_dim": (1, INT32_MAX),
                                        "projection_seed": (INT64_MIN, INT64_MAX), "projection_kind": str,
                                        "influence_source": str},
                RECORD_TYPE_CHECKPOINT_COMPLETE: {"run_id": str, "checkpoint": (0, INT32_MAX), "rows": (0, INT64_MAX)},
                RECORD_TYPE_RUN_END: {"run_id": str, "last_checkpoint": (-1, INT32_MAX)}}
    if record_type not in required:
        raise InvalidRecordError("UNKNOWN_RECORD_TYPE", f"control record type {record_type!r}")
    if len(value) > 64 * 1024:
        raise InvalidRecordError("OVERSIZED", f"{record_type} record of {len(value)} bytes")

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise InvalidRecordError("BAD_CONTROL_RECORD", f"duplicate keys in {record_type}")
        return dict(pairs)

    try:
        record = json.loads(value.decode("utf-8"), object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InvalidRecordError("BAD_CONTROL_RECORD", f"{record_type} record is not valid JSON: {e}") from None
    if not isinstance(record, dict):
        raise InvalidRecordError("BAD_CONTROL_RECORD", f"{record_type} record must be one JSON object")
    for name, rule in required[record_type].items():
        got = record.get(name)
        if rule is str:
            if not isinstance(got, str):
                raise InvalidRecordError("BAD_CONTROL_RECORD", f"field '{name}' must be a string, got {got!r}")
        elif isinstance(got, bool) or not isinstance(got, int) or not rule[0] <= got <= rule[1]:
            raise InvalidRecordError("BAD_CONTROL_RECORD", f"field '{name}' must be an integer in {list(rule)}, got {got!r}")
    return record


def headers(content_type: str, record_type: Optional[str] = None) -> List[Tuple[str, bytes]]:
    """The Kafka headers of a record on ``cadc.sketches``; a run-end record carries schema version 2 (the
    version that added it, so that version-1 readers reject rather than misread it)."""
    version = RUN_END_SCHEMA_VERSION_TEXT if record_type == RECORD_TYPE_RUN_END else SCHEMA_VERSION_TEXT
    result = [(HEADER_SCHEMA_VERSION, version.encode()), (HEADER_CONTENT_TYPE, content_type.encode())]
    if record_type is not None:
        result.append((HEADER_RECORD_TYPE, record_type.encode()))
    return result


def _signed64(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"projection_seed must be an int, got {type(seed).__name__}")
    seed = int(seed)
    if not -(1 << 63) <= seed < (1 << 64):
        raise ValueError(f"projection_seed must fit 64 bits (signed, or unsigned below 2^64), got {seed}")
    return seed - (1 << 64) if seed >= (1 << 63) else seed


# ---- pyarrow path -------------------------------------------------------------------------------

def _pa_type(f: ArrowField):
    import pyarrow as pa
    if f.type in ("int8", "int16", "int32", "int64"):
        return getattr(pa, f.type)()
    if f.type == "float32":
        return pa.float32()
    if f.type == "float64":
        return pa.float64()
    if f.type == "utf8":
        return pa.utf8()
    if f.type == "fixed_size_list":
        return pa.list_(pa.field(f.child.name, _pa_type(f.child), nullable=False), f.list_size)
    if f.type == "list":
        return pa.list_(pa.field(f.child.name, _pa_type(f.child), nullable=False))
    raise ValueError(f.type)


def _pa_schema(schema: ArrowSchema):
    import pyarrow as pa
    return pa.schema([pa.field(f.name, _pa_type(f), nullable=False) for f in schema.fields], metadata=schema.metadata)


def _pa_batch(pa_schema, columns, rows):
    import pyarrow as pa
    arrays = []
    for f, column in zip(pa_schema, columns):
        if pa.types.is_fixed_size_list(f.type):
            flat = pa.array(np.asarray(column).reshape(-1), f.type.value_type)
            arrays.append(pa.FixedSizeListArray.from_arrays(flat, f.type.list_size))
        elif pa.types.is_list(f.type):
            arrays.append(pa.array([np.asarray(c).tolist() for c in column], f.type))
        else:
            arrays.append(pa.array(column, f.type))
    return pa.RecordBatch.from_arrays(arrays, schema=pa_schema)


def _pyarrow_stream(schema: ArrowSchema, batches) -> bytes:
    import pyarrow as pa
    pa_schema = _pa_schema(schema)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, pa_schema) as writer:
        for columns, rows in batches:
            writer.write_batch(_pa_batch(pa_schema, columns, rows))
    return sink.getvalue().to_pybytes()


def _pyarrow_read(data: bytes, what: str):
    import pyarrow as pa
    try:
        reader = pa.ipc.open_stream(pa.py_buffer(data))
        pa_schema = reader.schema
        batches = [batch for batch in reader]
    except (pa.ArrowInvalid, OSError) as e:
        raise InvalidRecordError("MALFORMED_IPC", f"{what} value is not a valid Arrow IPC stream: {e}") from None

    def field_of(f):
        t = f.type
        child = None
        size = 0
        if pa.types.is_fixed_size_list(t):
            kind, size, child = "fixed_size_list", t.list_size, field_of(t.value_field)
        elif pa.types.is_list(t):
            kind, child = "list", field_of(t.value_field)
        elif pa.types.is_string(t):
            kind = "utf8"
        elif pa.types.is_signed_integer(t):
            kind = f"int{t.bit_width}"
        elif pa.types.is_float32(t):
            kind = "float32"
        elif pa.types.is_float64(t):
            kind = "float64"
        else:
            kind = str(t)
        return ArrowField(f.name, kind, f.nullable, size, child, pa.types.is_dictionary(t))

    metadata = {k.decode(): v.decode() for k, v in (pa_schema.metadata or {}).items()}
    schema = ArrowSchema([field_of(f) for f in pa_schema], metadata)
    decoded = []
    for batch in batches:
        columns = {}
        for f, column in zip(pa_schema, batch.columns):
            if column.null_count:
                raise InvalidRecordError("NULL_VALUE", f"column '{f.name}' holds {column.null_count} null(s)")
            if pa.types.is_fixed_size_list(f.type):
                columns[f.name] = column.flatten().to_numpy(zero_copy_only=False).reshape(len(batch), f.type.list_size)
            elif pa.types.is_list(f.type):
                columns[f.name] = [np.asarray(x, dtype=np.int64) for x in column.to_pylist()]
            elif pa.types.is_string(f.type):
                columns[f.name] = column.to_pylist()
            else:
                columns[f.name] = column.to_numpy(zero_copy_only=False)
        decoded.append((len(batch), columns))
    return schema, decoded, False


_TOPIC_PREFIX = re.compile(r"[A-Za-z0-9._-]{0,100}")


def check_topic_prefix(prefix: str) -> str:
    """A team's topic prefix (put in front of every topic name), checked as the Java side does."""
    if not isinstance(prefix, str) or not _TOPIC_PREFIX.fullmatch(prefix):
        raise ValueError(f"topic_prefix may use only letters, digits, '.', '_' and '-' (at most 100), got {prefix!r}")
    return prefix
