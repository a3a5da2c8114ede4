"""A small Arrow IPC stream writer and reader for exactly the column types of ``schemas/``.

Used when pyarrow is not importable (see ``cadc.arrow``). Supported types: utf8, int8/16/32/64,
float32/64, ``fixed_size_list<float32|...>[k]`` and ``list<int64|...>``; no nulls (the format forbids
them), no dictionaries, no compression. The writer emits the Arrow IPC *stream* format (continuation
marker, 8-byte aligned flatbuffer metadata and bodies, metadata version V5, little-endian), which
Arrow Java and pyarrow read; the reader accepts what they write and checks every length and offset
before using it, so malformed input raises :class:`ArrowFormatError` rather than reading garbage.

Flatbuffers are built by hand, front to back: every table is preceded by its vtable and followed by
the objects it points to, so all unsigned offsets point forward, as the flatbuffers format requires.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

CONTINUATION = 0xFFFFFFFF
METADATA_V5 = 4

# MessageHeader union
_HEADER_SCHEMA = 1
_HEADER_DICTIONARY_BATCH = 2
_HEADER_RECORD_BATCH = 3
# Type union
_TYPE_INT = 2
_TYPE_FLOAT = 3
_TYPE_UTF8 = 5
_TYPE_LIST = 12
_TYPE_FIXED_SIZE_LIST = 16
_PRECISION = {1: "float32", 2: "float64"}  # HALF=0 unsupported

_NUMPY = {"int8": "<i1", "int16": "<i2", "int32": "<i4", "int64": "<i8", "float32": "<f4", "float64": "<f8"}


class ArrowFormatError(ValueError):
    """Bytes that are not an Arrow IPC stream of the supported shape."""


@dataclass(frozen=True)
class ArrowField:
    """A column: ``type`` is one of int8..int64, float32, float64, utf8, list, fixed_size_list."""
    name: str
    type: str
    nullable: bool = False
    list_size: int = 0                 # fixed_size_list width
    child: Optional["ArrowField"] = None  # list / fixed_size_list item
    dictionary: bool = False           # set by the reader when the field is dictionary-encoded
    type_id: int = 0                   # the reader's Arrow Type union id (to skip unknown columns)
    children: Tuple["ArrowField", ...] = ()


@dataclass
class ArrowSchema:
    fields: List[ArrowField]
    metadata: Dict[str, str] = field(default_factory=dict)

    def field(self, name: str) -> ArrowField:
        found = [f for f in self.fields if f.name == name]
        if not found:
            raise KeyError(name)
        return found[0]


# --------------------------------------------------------------------------------------------------
# flatbuffer writer
# --------------------------------------------------------------------------------------------------

class _Table:
    """A table to serialise: ``slots[i]`` is None or (kind, value); kinds: bool, u8, i16, i32, i64, ref."""

    def __init__(self, slots):
        self.slots = slots


class _String:
    def __init__(self, text: str):
        self.data = text.encode("utf-8")


class _TableVector:
    def __init__(self, tables):
        self.tables = tables


class _StructVector:
    """A vector of structs of two int64 each (FieldNode, Buffer): 16 bytes, 8-aligned."""

    def __init__(self, pairs):
        self.pairs = pairs


_SCALAR = {"bool": ("<B", 1), "u8": ("<B", 1), "i16": ("<h", 2), "i32": ("<i", 4), "i64": ("<q", 8),
           "ref": ("<I", 4)}


class _Builder:
    def __init__(self):
        self.buf = bytearray()

    def _align(self, n: int, extra: int = 0):
        """Pads so that ``len(buf) + extra`` is a multiple of n."""
        while (len(self.buf) + extra) % n:
            self.buf.append(0)

    def finish(self, root: _Table) -> bytes:
        self.buf += b"\0\0\0\0"  # root offset, patched
        pos = self._object(root)
        struct.pack_into("<I", self.buf, 0, pos)
        self._align(8)
        return bytes(self.buf)

    def _object(self, obj) -> int:
        if isinstance(obj, _Table):
            return self._table(obj)
        if isinstance(obj, _String):
            self._align(4)
            pos = len(self.buf)
            self.buf += struct.pack("<I", len(obj.data)) + obj.data + b"\0"
            return pos
        if isinstance(obj, _TableVector):
            self._align(4)
            pos = len(self.buf)
            self.buf += struct.pack("<I", len(obj.tables))
            slots = []
            for _ in obj.tables:
                slots.append(len(self.buf))
                self.buf += b"\0\0\0\0"
            for slot, table in zip(slots, obj.tables):
                child = self._object(table)
                struct.pack_into("<I", self.buf, slot, child - slot)
            return pos
        if isinstance(obj, _StructVector):
            self._align(8, 4)  # elements start 8-aligned right after the 4-byte length
            pos = len(self.buf)
            self.buf += struct.pack("<I", len(obj.pairs))
            for a, b in obj.pairs:
                self.buf += struct.pack("<qq", a, b)
            return pos
        raise TypeError(obj)

    def _table(self, table: _Table) -> int:
        present = [(i, s) for i, s in enumerate(table.slots) if s is not None]
        # Inline layout after the 4-byte soffset: 8-byte fields first, then 4, 2, 1.
        order = sorted(present, key=lambda item: -_SCALAR[item[1][0]][1])
        offsets = {}
        size = 4
        for i, (kind, _) in order:
            width = _SCALAR[kind][1]
            while size % width:
                size += 1
            offsets[i] = size
            size += width
        while size % 4:
            size += 1
        vtable_len = 4 + 2 * len(table.slots)
        has_long = any(_SCALAR[k][1] == 8 for _, (k, _) in present)
        # The table start must be 4-aligned, and (table + 4) 8-aligned when it holds 8-byte fields.
        self._align(2)
        while True:
            start = len(self.buf) + vtable_len
            if start % 4 == 0 and (not has_long or (start + 4) % 8 == 0):
                break
            self.buf += b"\0\0"
        vtable_pos = len(self.buf)
        self.buf += struct.pack("<HH", vtable_len, size)
        for i in range(len(table.slots)):
            self.buf += struct.pack("<H", offsets.get(i, 0))
        table_pos = len(self.buf)
        assert table_pos == vtable_pos + vtable_len
        self.buf += struct.pack("<i", table_pos - vtable_pos) + bytes(size - 4)
        refs = []
        for i, (kind, value) in present:
            at = table_pos + offsets[i]
            if kind == "ref":
                refs.append((at, value))
            elif kind == "bool":
                struct.pack_into("<B", self.buf, at, 1 if value else 0)
            else:
                struct.pack_into(_SCALAR[kind][0], self.buf, at, value)
        for at, child in refs:
            child_pos = self._object(child)
            struct.pack_into("<I", self.buf, at, child_pos - at)
        return table_pos


def _key_values(metadata: Dict[str, str]):
    return _TableVector([_Table([("ref", _String(k)), ("ref", _String(v))]) for k, v in metadata.items()])


def _type_table(f: ArrowField):
    t = f.type
    if t.startswith("int"):
        return _TYPE_INT, _Table([("i32", int(t[3:])), ("bool", True)])
    if t == "float32":
        return _TYPE_FLOAT, _Table([("i16", 1)])
    if t == "float64":
        return _TYPE_FLOAT, _Table([("i16", 2)])
    if t == "utf8":
        return _TYPE_UTF8, _Table([])
    if t == "list":
        return _TYPE_LIST, _Table([])
    if t == "fixed_size_list":
        return _TYPE_FIXED_SIZE_LIST, _Table([("i32", f.list_size)])
    raise ValueError(f"unsupported Arrow type {t}")


def _field_table(f: ArrowField) -> _Table:
    type_id, type_table = _type_table(f)
    children = [_field_table(f.child)] if f.child is not None else []
    return _Table([("ref", _String(f.name)), ("bool", f.nullable), ("u8", type_id), ("ref", type_table),
                   None, ("ref", _TableVector(children))])


def _message(header_type: int, header: _Table, body_length: int) -> bytes:
    return _Builder().finish(_Table([("i16", METADATA_V5), ("u8", header_type), ("ref", header),
                                     ("i64", body_length)]))


def _framed(metadata: bytes, body: bytes = b"") -> bytes:
    padded = metadata + bytes((-len(metadata)) % 8)
    return struct.pack("<Ii", CONTINUATION, len(padded)) + padded + body


def schema_message(schema: ArrowSchema) -> bytes:
    """The framed schema message of a stream."""
    table = _Table([("i16", 0), ("ref", _TableVector([_field_table(f) for f in schema.fields])),
                    ("ref", _key_values(schema.metadata)) if schema.metadata else None])
    return _framed(_message(_HEADER_SCHEMA, table, 0))


END_OF_STREAM = struct.pack("<Ii", CONTINUATION, 0)


def record_batch_message(schema: ArrowSchema, columns: Sequence, rows: int) -> bytes:
    """The framed record batch message of ``columns`` (one per schema field, see :func:`_column_buffers`)."""
    nodes: List[Tuple[int, int]] = []
    buffers: List[bytes] = []
    for f, column in zip(schema.fields, columns):
        _column_buffers(f, column, rows, nodes, buffers)
    body = bytearray()
    spans = []
    for data in buffers:
        spans.append((len(body), len(data)))
        body += data
        body += bytes((-len(body)) % 8)
    table = _Table([("i64", rows), ("ref", _StructVector(nodes)), ("ref", _StructVector(spans))])
    return _framed(_message(_HEADER_RECORD_BATCH, table, len(body)), bytes(body))


def _column_buffers(f: ArrowField, column, rows: int, nodes, buffers):
    """Appends the field nodes and buffers of one column (no validity bitmaps: nothing is null).

    ``column``: a numpy array for numbers; a list of str for utf8; a 2-D numpy array ``[rows, k]`` for a
    fixed_size_list; a list of 1-D numpy arrays for a list.
    """
    nodes.append((rows, 0))
    buffers.append(b"")  # validity: absent, so no value is null
    if f.type in _NUMPY:
        data = np.ascontiguousarray(column, dtype=_NUMPY[f.type])
        if data.shape != (rows,):
            raise ValueError(f"column {f.name}: expected {rows} values, got shape {data.shape}")
        buffers.append(data.tobytes())
    elif f.type == "utf8":
        encoded = [s.encode("utf-8") for s in column]
        if len(encoded) != rows:
            raise ValueError(f"column {f.name}: expected {rows} strings, got {len(encoded)}")
        offsets = np.zeros(rows + 1, dtype="<i4")
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        buffers.append(offsets.tobytes())
        buffers.append(b"".join(encoded))
    elif f.type == "fixed_size_list":
        values = np.asarray(column)
        if values.shape != (rows, f.list_size):
            raise ValueError(f"column {f.name}: expected shape ({rows}, {f.list_size}), got {values.shape}")
        _column_buffers(f.child, values.reshape(-1), rows * f.list_size, nodes, buffers)
    elif f.type == "list":
        items = [np.asarray(item).reshape(-1) for item in column]
        if len(items) != rows:
            raise ValueError(f"column {f.name}: expected {rows} lists, got {len(items)}")
        offsets = np.zeros(rows + 1, dtype="<i4")
        np.cumsum([len(i) for i in items], out=offsets[1:])
        buffers.append(offsets.tobytes())
        flat = np.concatenate(items) if items else np.zeros(0)
        _column_buffers(f.child, flat, int(offsets[-1]), nodes, buffers)
    else:
        raise ValueError(f"unsupported Arrow type {f.type}")


def write_stream(schema: ArrowSchema, batches: Sequence[Tuple[Sequence, int]]) -> bytes:
    """A whole IPC stream: the schema, one record batch per ``(columns, rows)``, the end-of-stream marker."""
    out = bytearray(schema_message(schema))
    for columns, rows in batches:
        out += record_batch_message(schema, columns, rows)
    out += END_OF_STREAM
    return bytes(out)


# --------------------------------------------------------------------------------------------------
# flatbuffer reader
# --------------------------------------------------------------------------------------------------

class _FlatTable:
    """Read access to one flatbuffer table, every offset checked against the buffer."""

    def __init__(self, buf: bytes, pos: int):
        self.buf = buf
        self.pos = pos
        self._check(pos, 4)
        vtable = pos - struct.unpack_from("<i", buf, pos)[0]
        self._check(vtable, 4)
        self.vtable = vtable
        self.vtable_len, self.table_len = struct.unpack_from("<HH", buf, vtable)
        self._check(vtable, self.vtable_len)
        self._check(pos, self.table_len)

    def _check(self, at: int, length: int):
        if at < 0 or length < 0 or at + length > len(self.buf):
            raise ArrowFormatError("flatbuffer offset out of range: the IPC metadata is corrupt")

    def _slot(self, index: int) -> int:
        entry = 4 + 2 * index
        if entry + 2 > self.vtable_len:
            return 0
        offset = struct.unpack_from("<H", self.buf, self.vtable + entry)[0]
        if offset and offset >= self.table_len:
            raise ArrowFormatError("flatbuffer field outside its table: the IPC metadata is corrupt")
        return offset

    def scalar(self, index: int, fmt: str, default=0):
        offset = self._slot(index)
        if not offset:
            return default
        self._check(self.pos + offset, struct.calcsize(fmt))
        return struct.unpack_from(fmt, self.buf, self.pos + offset)[0]

    def _ref(self, index: int) -> Optional[int]:
        offset = self._slot(index)
        if not offset:
            return None
        at = self.pos + offset
        self._check(at, 4)
        return at + struct.unpack_from("<I", self.buf, at)[0]

    def table(self, index: int) -> Optional["_FlatTable"]:
        at = self._ref(index)
        return None if at is None else _FlatTable(self.buf, at)

    def string(self, index: int) -> Optional[str]:
        at = self._ref(index)
        if at is None:
            return None
        self._check(at, 4)
        length = struct.unpack_from("<I", self.buf, at)[0]
        self._check(at + 4, length)
        try:
            return bytes(self.buf[at + 4:at + 4 + length]).decode("utf-8")
        except UnicodeDecodeError as e:
            raise ArrowFormatError(f"a flatbuffer string is not UTF-8: {e}") from None

    def tables(self, index: int) -> List["_FlatTable"]:
        at = self._ref(index)
        if at is None:
            return []
        self._check(at, 4)
        count = struct.unpack_from("<I", self.buf, at)[0]
        self._check(at + 4, 4 * count)
        result = []
        for i in range(count):
            slot = at + 4 + 4 * i
            result.append(_FlatTable(self.buf, slot + struct.unpack_from("<I", self.buf, slot)[0]))
        return result

    def structs(self, index: int) -> List[Tuple[int, int]]:
        """A vector of (int64, int64) structs."""
        at = self._ref(index)
        if at is None:
            return []
        self._check(at, 4)
        count = struct.unpack_from("<I", self.buf, at)[0]
        self._check(at + 4, 16 * count)
        return [struct.unpack_from("<qq", self.buf, at + 4 + 16 * i) for i in range(count)]


def _root(buf: bytes) -> _FlatTable:
    if len(buf) < 4:
        raise ArrowFormatError("IPC message metadata is too short")
    return _FlatTable(buf, struct.unpack_from("<I", buf, 0)[0])


def _read_field(table: _FlatTable, depth: int = 0) -> ArrowField:
    if depth > 4:
        raise ArrowFormatError("Arrow schema nested too deeply")
    name = table.string(0) or ""
    nullable = bool(table.scalar(1, "<B"))
    type_id = table.scalar(2, "<B")
    type_table = table.table(3)
    dictionary = table.table(4) is not None
    children = [_read_field(child, depth + 1) for child in table.tables(5)]
    child = children[0] if len(children) == 1 else None
    if type_id == _TYPE_INT:
        width = type_table.scalar(0, "<i") if type_table else 0
        signed = bool(type_table.scalar(1, "<B")) if type_table else False
        kind = f"int{width}" if signed and width in (8, 16, 32, 64) else f"uint{width}"
    elif type_id == _TYPE_FLOAT:
        precision = type_table.scalar(0, "<h") if type_table else 0
        kind = _PRECISION.get(precision, "float16")
    elif type_id == _TYPE_UTF8:
        kind = "utf8"
    elif type_id == _TYPE_LIST:
        kind = "list"
    elif type_id == _TYPE_FIXED_SIZE_LIST:
        kind = "fixed_size_list"
    else:
        kind = f"type#{type_id}"
    list_size = type_table.scalar(0, "<i") if type_id == _TYPE_FIXED_SIZE_LIST and type_table else 0
    if kind in ("list", "fixed_size_list") and len(children) != 1:
        raise ArrowFormatError(f"column '{name}' is a {kind} with {len(children)} children; expected 1")
    return ArrowField(name, kind, nullable, list_size, child, dictionary, type_id, tuple(children))


def _read_metadata(table: _FlatTable, index: int) -> Dict[str, str]:
    metadata = {}
    for kv in table.tables(index):
        metadata[kv.string(0) or ""] = kv.string(1) or ""
    return metadata


class _Message:
    def __init__(self, header_type: int, header: _FlatTable, body: bytes):
        self.header_type = header_type
        self.header = header
        self.body = body


class StreamReader:
    """Reads an IPC stream from bytes: :attr:`schema`, then record batches as dicts of numpy columns.

    ``max_message_bytes`` bounds every message (metadata or body) before anything is sliced.
    """

    def __init__(self, data: bytes, max_message_bytes: int = 64 * 1024 * 1024, wanted=None):
        self.wanted = None if wanted is None else set(wanted)
        self.data = memoryview(data)
        self.position = 0
        self.max_message_bytes = max_message_bytes
        self.ended = False
        first = self._next()
        if first is None:
            raise ArrowFormatError("the stream is empty; expected a schema message first")
        if first.header_type != _HEADER_SCHEMA:
            raise ArrowFormatError(f"expected a schema message first, got message type {first.header_type}")
        header = first.header
        if header.scalar(0, "<h") != 0:
            raise ArrowFormatError("big-endian Arrow data is not supported")
        self.schema = ArrowSchema([_read_field(f) for f in header.tables(1)], _read_metadata(header, 2))

    @property
    def at_end_of_input(self) -> bool:
        return self.position == len(self.data)

    def _take(self, length: int, what: str) -> memoryview:
        if length < 0 or self.position + length > len(self.data):
            raise ArrowFormatError(f"the stream is cut short: {what} needs {length} bytes, "
                                   f"{len(self.data) - self.position} left")
        chunk = self.data[self.position:self.position + length]
        self.position += length
        return chunk

    def _next(self) -> Optional[_Message]:
        if self.ended:
            return None
        if self.position == len(self.data):
            self.ended = True  # end-of-stream marker absent at the very end: tolerated
            return None
        length = struct.unpack("<I", self._take(4, "a message length"))[0]
        if length == CONTINUATION:
            length = struct.unpack("<i", self._take(4, "a message length"))[0]
        if length == 0:
            self.ended = True
            return None
        if length < 0 or length > self.max_message_bytes:
            raise ArrowFormatError(f"message metadata of {length} bytes exceeds the limit of "
                                   f"{self.max_message_bytes}")
        metadata = bytes(self._take(length, "message metadata"))
        message = _root(metadata)
        version = message.scalar(0, "<h")
        if version < 3:
            raise ArrowFormatError(f"Arrow metadata version {version} is too old (V4 or later required)")
        header_type = message.scalar(1, "<B")
        header = message.table(2)
        if header is None:
            raise ArrowFormatError("an IPC message has no header")
        body_length = message.scalar(3, "<q")
        if body_length < 0 or body_length > self.max_message_bytes:
            raise ArrowFormatError(f"message body of {body_length} bytes exceeds the limit of "
                                   f"{self.max_message_bytes}")
        body = bytes(self._take(body_length, "a message body"))
        return _Message(header_type, header, body)

    def batches(self) -> Iterator[Tuple[int, Dict[str, object]]]:
        """Yields ``(rows, columns)`` per record batch; columns by name (see :func:`_read_column`)."""
        while True:
            message = self._next()
            if message is None:
                return
            yield self._decode_batch(message)

    def next_batch(self) -> Optional[Tuple[int, Dict[str, object]]]:
        message = self._next()
        return None if message is None else self._decode_batch(message)

    def _decode_batch(self, message: _Message):
        if message.header_type == _HEADER_DICTIONARY_BATCH:
            raise ArrowFormatError("dictionary batches are not part of the format")
        if message.header_type != _HEADER_RECORD_BATCH:
            raise ArrowFormatError(f"expected a record batch message, got message type {message.header_type}")
        header = message.header
        if header.table(3) is not None:
            raise ArrowFormatError("the record batch is compressed; the format requires uncompressed IPC")
        rows = header.scalar(0, "<q")
        if rows < 0:
            raise ArrowFormatError(f"record batch length {rows} is negative")
        nodes = list(header.structs(1))
        spans = list(header.structs(2))
        for offset, length in spans:
            if offset < 0 or length < 0 or offset + length > len(message.body):
                raise ArrowFormatError(f"a buffer ({offset}, {length}) lies outside the body of "
                                       f"{len(message.body)} bytes")
        nodes.reverse()
        spans.reverse()
        columns = {}
        for f in self.schema.fields:
            if self.wanted is None or f.name in self.wanted:
                columns[f.name] = _read_column(f, rows, nodes, spans, message.body)
            else:
                _skip_column(f, nodes, spans)
        if nodes or spans:
            raise ArrowFormatError("the record batch holds more field nodes or buffers than its schema needs")
        return rows, columns


def _pop(stack, what):
    if not stack:
        raise ArrowFormatError(f"the record batch has too few {what} for its schema")
    return stack.pop()


def _read_column(f: ArrowField, rows: int, nodes, spans, body: bytes):
    """numpy array (numbers), list of str (utf8), 2-D array (fixed_size_list), list of arrays (list).

    Raises :class:`ArrowFormatError` for a null, or buffers too short for the row count. Columns of other
    types are skipped (their buffers consumed when the type is known) and returned as None.
    """
    length, null_count = _pop(nodes, "field nodes")
    if length != rows:
        raise ArrowFormatError(f"column '{f.name}' has {length} values in a batch of {rows} rows")
    validity = _pop(spans, "buffers")
    if null_count != 0:
        raise NullValueError(f"column '{f.name}' holds {null_count} null(s); every value is required")

    def buffer(span):
        offset, size = span
        return body[offset:offset + size]

    if f.type in _NUMPY:
        dtype = np.dtype(_NUMPY[f.type])
        data = buffer(_pop(spans, "buffers"))
        if len(data) < rows * dtype.itemsize:
            raise ArrowFormatError(f"column '{f.name}' data buffer holds {len(data)} bytes; {rows} values need "
                                   f"{rows * dtype.itemsize}")
        return np.frombuffer(data, dtype=dtype, count=rows).copy()
    if f.type == "utf8":
        offsets = _offsets(f, buffer(_pop(spans, "buffers")), rows)
        data = buffer(_pop(spans, "buffers"))
        if rows and offsets[-1] > len(data):
            raise ArrowFormatError(f"column '{f.name}' offsets run past its data buffer")
        try:
            return [bytes(data[offsets[i]:offsets[i + 1]]).decode("utf-8") for i in range(rows)]
        except UnicodeDecodeError as e:
            raise ArrowFormatError(f"column '{f.name}' holds a string that is not UTF-8: {e}") from None
    if f.type == "fixed_size_list":
        values = _read_child(f, rows * f.list_size, nodes, spans, body)
        return None if values is None else values.reshape(rows, f.list_size)
    if f.type == "list":
        offsets = _offsets(f, buffer(_pop(spans, "buffers")), rows)
        child_rows = int(offsets[-1]) if rows else 0
        values = _read_child(f, child_rows, nodes, spans, body)
        return None if values is None else [values[offsets[i]:offsets[i + 1]] for i in range(rows)]
    raise UnsupportedTypeError(f"column '{f.name}' has type {f.type}, which this reader does not decode")


# Buffers per node of each Arrow Type union id (validity included), for skipping columns nobody reads.
_BUFFERS = {1: 0, 2: 2, 3: 2, 4: 3, 5: 3, 6: 2, 7: 2, 8: 2, 9: 2, 10: 2, 11: 2, 12: 2, 13: 1, 15: 2, 16: 1,
            17: 2, 18: 2, 19: 3, 20: 3, 21: 2, 22: 0, 25: 3, 26: 3}


def _skip_column(f: ArrowField, nodes, spans):
    if f.type_id not in _BUFFERS:
        raise UnsupportedTypeError(f"column '{f.name}' has Arrow type id {f.type_id}, whose layout this reader "
                                   f"cannot skip")
    _pop(nodes, "field nodes")
    for _ in range(_BUFFERS[f.type_id]):
        _pop(spans, "buffers")
    for child in f.children:
        _skip_column(child, nodes, spans)


def _read_child(f: ArrowField, rows: int, nodes, spans, body):
    child = f.child
    if child is None or child.type not in _NUMPY:
        raise UnsupportedTypeError(f"column '{f.name}' holds items of type {child.type if child else None}")
    node = nodes[-1] if nodes else None
    if node is not None and node[0] != rows:
        raise ArrowFormatError(f"column '{f.name}' items: {node[0]} values where {rows} are needed")
    return _read_column(child, rows, nodes, spans, body)


def _offsets(f: ArrowField, data, rows: int) -> np.ndarray:
    if rows == 0:
        return np.zeros(1, dtype=np.int64)
    if len(data) < 4 * (rows + 1):
        raise ArrowFormatError(f"column '{f.name}' offsets buffer is too short for {rows} rows")
    offsets = np.frombuffer(data, dtype="<i4", count=rows + 1).astype(np.int64)
    if offsets[0] < 0 or np.any(np.diff(offsets) < 0):
        raise ArrowFormatError(f"column '{f.name}' offsets are not non-decreasing")
    return offsets


class NullValueError(ArrowFormatError):
    """A null where the format requires a value."""


class UnsupportedTypeError(ArrowFormatError):
    """A column type this reader cannot decode."""
