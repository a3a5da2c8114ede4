"""CADC's Python client: publish gradient sketches to ``cadc.sketches``, read curricula from ``cadc.curriculum``.

``cadc.SketchPublisher``, ``cadc.CurriculumReader``, ``cadc.Curriculum`` and ``cadc.read_client_properties``
need numpy and confluent-kafka; ``cadc.torch`` (``Sketcher``, ``CurriculumSampler``) needs torch too.
See docs/python.md.
"""
from .config import librdkafka_config, parse_properties, read_client_properties
from .format import (Curriculum, CurriculumEntry, InvalidRecordError, SketchRows, SketchStreamWriter,
                     arrow_backend, decode_curriculum, decode_sketches, encode_sketches, read_sketch_stream)
from .projection import KroneckerProjection, dense_sketch, rademacher_matrix
from .publisher import SketchPublisher, ensure_topics, key_partition, murmur2
from .reader import CurriculumReader

__version__ = "0.1.0"

__all__ = ["SketchPublisher", "CurriculumReader", "Curriculum", "CurriculumEntry", "SketchRows", "SketchStreamWriter",
           "InvalidRecordError", "read_client_properties", "librdkafka_config", "parse_properties", "arrow_backend",
           "decode_curriculum", "decode_sketches", "encode_sketches", "read_sketch_stream", "KroneckerProjection",
           "dense_sketch", "rademacher_matrix", "ensure_topics", "key_partition", "murmur2"]
