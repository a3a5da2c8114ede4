"""Makes ``cadc`` importable from the source tree (``/usr/bin/python3 -m pytest src/python/tests``)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
