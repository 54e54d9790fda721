#!/usr/bin/env python3
"""Steady load from the official Elasticsearch Python client (7.17) given every
node's address, for tests/cluster/rolling_restart_test.cc: a write (a new id
each time) and a search every 10 ms until the stop file appears (at most
60,000 rounds or 10 minutes). Any exception, or a search with a failed
shard, counts as a failure. Writes a JSON report:
{"writes": N, "searches": N, "failed": N, "failures": [...]}.

Usage: rolling_client.py --hosts 127.0.0.1:P1,127.0.0.1:P2,... --stop-file F --report R
"""
import argparse
import json
import os
import sys
import time
import warnings

from elasticsearch import Elasticsearch

warnings.filterwarnings("ignore")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", required=True)
    ap.add_argument("--stop-file", required=True)
    ap.add_argument("--report", required=True)
    args = ap.parse_args()
    hosts = [f"http://{h}" for h in args.hosts.split(",")]
    for h in hosts:
        if not (h.startswith("http://127.") or h.startswith("http://[::1]")):
            sys.exit(f"refusing a non-loopback address: {h}")
    # A connection that fails (a node that stopped) is retried on another node.
    es = Elasticsearch(hosts, max_retries=5, retry_on_timeout=True, request_timeout=30)
    writes = searches = failed = 0
    failures = []
    deadline = time.monotonic() + 600
    for i in range(60_000):
        if os.path.exists(args.stop_file) or time.monotonic() > deadline:
            break
        try:
            es.index(index="books", id=f"py-{i}", body={"title": f"python load {i}", "n": i})
            writes += 1
        except Exception as e:  # noqa: BLE001 - every failure is counted and reported
            failed += 1
            failures.append(f"write {i}: {e!r}"[:300])
        try:
            r = es.search(index="books", q="title:load", size=5)
            if r["_shards"]["failed"] != 0:
                failed += 1
                failures.append(f"search {i}: {json.dumps(r['_shards'])[:300]}")
            else:
                searches += 1
        except Exception as e:  # noqa: BLE001
            failed += 1
            failures.append(f"search {i}: {e!r}"[:300])
        if i == 20:
            print("load running", flush=True)
        time.sleep(0.01)
    with open(args.report, "w") as f:
        json.dump({"writes": writes, "searches": searches, "failed": failed, "failures": failures[:50]}, f)
    print(f"writes={writes} searches={searches} failed={failed}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
