"""Follows a run's curriculum with ``cadc.CurriculumReader`` until a given version, printing each newer
version it sees as one JSON line; the broker-failover test runs it while it kills a broker.

Exit 0 once ``--until`` is reached (the last line then has the version's sample ids), 1 on a timeout.
"""
import argparse
import json
import sys
import time

import cadc


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--until", type=int, required=True, help="stop after this version")
    parser.add_argument("--timeout-s", type=float, default=150.0)
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout_s
    seen = -1
    with cadc.CurriculumReader(args.bootstrap) as reader:
        while seen < args.until:
            left = deadline - time.monotonic()
            if left <= 0:
                print(json.dumps({"error": f"no version {args.until} within {args.timeout_s} s; last seen {seen}"}), flush=True)
                return 1
            try:
                curriculum = reader.await_newer_than(args.run_id, seen, timeout_s=min(left, 10.0))
            except TimeoutError:
                continue  # keep waiting, through a broker's loss, until the overall deadline
            seen = curriculum.version
            print(json.dumps({"version": curriculum.version, "pool_size": curriculum.pool_size,
                              "sample_ids": [entry.sample_id for entry in curriculum.entries]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
