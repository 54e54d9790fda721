#!/usr/bin/env python3
"""The official Elasticsearch Python client (7.17, Debian's python3-elasticsearch)
against a running holdfast node: index management, helpers.bulk, searches,
aggregations, count, get/update/delete, helpers.scan, msearch, the
alias-swap migration with _reindex, delete/update by query as tasks, index
templates applied on first write, a date-histogram dashboard, close and
open. Every answer is checked
against what the generated documents say it must be.

Usage: python_client_test.py --port N   (the node is started by the caller)
Exit status 0 when every check passed.
"""
import argparse
import warnings
import collections
import random
import sys
import threading
import time

from elasticsearch import Elasticsearch, helpers

# The 7.17 client deprecates `body=`; the calls below use it on purpose (the wire form).
warnings.filterwarnings("ignore", category=DeprecationWarning)

INDEX = "clients-products"
N_DOCS = 10_000
COLORS = ["red", "green", "blue", "black", "white"]
WORDS = ["shoe", "boot", "jacket", "scarf", "glove", "hat", "sock", "coat"]


def make_docs(seed=7):
    rng = random.Random(seed)
    docs = []
    for i in range(N_DOCS):
        words = rng.sample(WORDS, 2)
        docs.append({
            "_id": str(i),
            "title": f"{words[0]} {words[1]} number {i}",
            "color": rng.choice(COLORS),
            "price": rng.randint(1, 1000),
            "in_stock": rng.random() < 0.5,
        })
    return docs


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print(f"ok: {what}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    es = Elasticsearch([f"http://127.0.0.1:{args.port}"], request_timeout=60)

    info = es.info()
    check(info["version"]["number"].startswith("7."), "info() accepted the node as Elasticsearch 7")

    es.indices.create(index=INDEX, body={
        "settings": {"number_of_shards": 2},
        "mappings": {"properties": {
            "title": {"type": "text"},
            "color": {"type": "keyword"},
            "price": {"type": "long"},
            "in_stock": {"type": "boolean"},
        }},
    })
    check(es.indices.exists(index=INDEX), "index created")

    docs = make_docs()
    actions = ({"_index": INDEX, "_id": d["_id"], "_source": {k: v for k, v in d.items() if k != "_id"}}
               for d in docs)
    ok, errors = helpers.bulk(es, actions, chunk_size=1000, refresh=True)
    check(ok == N_DOCS and not errors, f"helpers.bulk indexed {N_DOCS} docs")

    check(es.count(index=INDEX)["count"] == N_DOCS, "count of all docs")

    # match: every doc whose title holds "jacket"
    jackets = {d["_id"] for d in docs if "jacket" in d["title"].split()}
    r = es.search(index=INDEX, body={"query": {"match": {"title": "jacket"}}, "size": 10,
                                     "track_total_hits": True})
    check(r["hits"]["total"]["value"] == len(jackets), "match total")
    check(all(h["_id"] in jackets for h in r["hits"]["hits"]) and len(r["hits"]["hits"]) == 10,
          "match hits are jackets")

    # bool + filter + range
    expected = {d["_id"] for d in docs
                if "boot" in d["title"].split() and d["color"] == "red" and 100 <= d["price"] < 500}
    r = es.search(index=INDEX, body={
        "query": {"bool": {"must": [{"match": {"title": "boot"}}],
                           "filter": [{"term": {"color": "red"}},
                                      {"range": {"price": {"gte": 100, "lt": 500}}}]}},
        "size": 10000, "_source": ["price"]})
    got = {h["_id"] for h in r["hits"]["hits"]}
    check(got == expected, f"bool+filter+range returns exactly {len(expected)} docs")
    check(all(set(h["_source"]) == {"price"} for h in r["hits"]["hits"]), "_source filtering")

    # terms aggregation over the in-stock docs
    counts = collections.Counter(d["color"] for d in docs if d["in_stock"])
    r = es.search(index=INDEX, body={"size": 0, "query": {"term": {"in_stock": True}},
                                     "aggs": {"colors": {"terms": {"field": "color"}}}})
    buckets = {b["key"]: b["doc_count"] for b in r["aggregations"]["colors"]["buckets"]}
    check(buckets == dict(counts), "terms aggregation counts")

    # sort by price, then id-free tie break through search_after paging
    cheap = sorted(docs, key=lambda d: d["price"])[:5]
    r = es.search(index=INDEX, body={"sort": [{"price": "asc"}], "size": 5})
    check([h["sort"][0] for h in r["hits"]["hits"]] == [d["price"] for d in cheap], "sort by price")

    # get, update, delete
    g = es.get(index=INDEX, id="42")
    check(g["found"] and g["_source"]["price"] == docs[42]["price"], "get")
    es.update(index=INDEX, id="42", body={"doc": {"price": 123456}}, refresh=True)
    check(es.get(index=INDEX, id="42")["_source"]["price"] == 123456, "update")
    r = es.search(index=INDEX, body={"query": {"range": {"price": {"gte": 100000}}}})
    check([h["_id"] for h in r["hits"]["hits"]] == ["42"], "updated doc is searchable")
    es.delete(index=INDEX, id="43", refresh=True)
    check(es.count(index=INDEX)["count"] == N_DOCS - 1, "delete")
    check(not es.exists(index=INDEX, id="43"), "deleted doc is gone")

    # helpers.scan: every remaining doc exactly once
    seen = collections.Counter(h["_id"] for h in helpers.scan(es, index=INDEX, size=700,
                                                               query={"query": {"match_all": {}}}))
    expected_ids = {d["_id"] for d in docs} - {"43"}
    check(set(seen) == expected_ids and max(seen.values()) == 1, "helpers.scan returns every doc once")

    # scan with a query
    seen = [h["_id"] for h in helpers.scan(es, index=INDEX, query={"query": {"match": {"title": "jacket"}}})]
    check(set(seen) == jackets - {"43"} and len(seen) == len(set(seen)), "helpers.scan with a query")

    # msearch: several searches in one request, answered in order
    r = es.msearch(body=[{"index": INDEX}, {"query": {"match": {"title": "jacket"}}, "size": 0},
                         {"index": "no-such-index"}, {"query": {"match_all": {}}},
                         {}, {"query": {"term": {"color": "red"}}, "size": 0}], index=INDEX)
    res = r["responses"]
    check(len(res) == 3, "msearch answers three searches")
    check(res[0]["status"] == 200 and res[0]["hits"]["total"]["value"] == len(jackets - {"43"}), "msearch match")
    check(res[1]["status"] == 404 and res[1]["error"]["type"] == "index_not_found_exception", "msearch error item")
    reds = sum(1 for d in docs if d["color"] == "red" and d["_id"] != "43")
    check(res[2]["hits"]["total"]["value"] == reds, "msearch takes the URL's index")

    # The alias-swap migration: the application searches through an alias;
    # v2 is built beside v1 with _reindex and the alias moves in one step,
    # while a thread keeps searching through the alias (never an error, never
    # an empty answer).
    app, v1, v2 = "clients-app", INDEX, INDEX + "-v2"
    es.indices.put_alias(index=v1, name=app)
    check(es.indices.exists_alias(name=app), "alias created")
    check(es.count(index=app)["count"] == N_DOCS - 1, "count through the alias")
    es.indices.create(index=v2, body={"settings": {"number_of_shards": 3},
                                      "mappings": {"properties": {"title": {"type": "text"},
                                                                  "color": {"type": "keyword"},
                                                                  "price": {"type": "long"},
                                                                  "in_stock": {"type": "boolean"}}}})
    stop = threading.Event()
    seen = []  # (status, total) of every search through the alias

    def search_through_alias():
        reader = Elasticsearch([f"http://127.0.0.1:{args.port}"], request_timeout=30)
        for _ in range(100_000):  # bounded; stops when the swap is done
            if stop.is_set():
                break
            try:
                n = reader.count(index=app)["count"]
                seen.append(("ok", n))
            except Exception as e:  # recorded: the check below fails on any
                seen.append(("error", str(e)))

    searcher = threading.Thread(target=search_through_alias)
    searcher.start()
    r = es.reindex(body={"source": {"index": v1, "size": 1000}, "dest": {"index": v2}}, refresh=True)
    check(r["total"] == N_DOCS - 1 and r["created"] == N_DOCS - 1 and not r["failures"], "v2 filled by _reindex")
    es.indices.update_aliases(body={"actions": [{"remove": {"index": v1, "alias": app}},
                                                {"add": {"index": v2, "alias": app}}]})
    for _ in range(200):  # a few searches after the swap too
        if len(seen) > 20:
            break
        time.sleep(0.01)
    stop.set()
    searcher.join(timeout=60)
    check(seen and all(kind == "ok" and n == N_DOCS - 1 for kind, n in seen),
          f"every search through the alias during the swap saw all documents ({len(seen)} searches)")
    check(list(es.indices.get_alias(name=app).keys()) == [v2], "the alias names v2 only")
    r = es.search(index=app, body={"query": {"match": {"title": "jacket"}}, "track_total_hits": True, "size": 1})
    check(r["hits"]["total"]["value"] == len(jackets - {"43"}) and r["hits"]["hits"][0]["_index"] == v2,
          "searches through the alias find v2")
    es.index(index=app, id="new", body={"title": "new hat", "color": "red", "price": 1, "in_stock": True},
             refresh=True)
    check(es.get(index=v2, id="new")["found"], "a write through the alias goes to v2")

    # By query, in the background: a task the client polls.
    task = es.delete_by_query(index=v2, body={"query": {"term": {"color": "red"}}}, refresh=True,
                              wait_for_completion=False)["task"]
    done = es.tasks.get(task_id=task, wait_for_completion=True, timeout="60s")
    reds_v2 = reds + 1  # and the new hat
    check(done["completed"] and done["response"]["deleted"] == reds_v2, "delete_by_query task deleted the red ones")
    check(es.count(index=v2, body={"query": {"term": {"color": "red"}}})["count"] == 0, "no red left")
    r = es.update_by_query(index=v2, body={"query": {"term": {"color": "blue"}}}, refresh=True)
    blues = sum(1 for d in docs if d["color"] == "blue" and d["_id"] != "43")
    check(r["updated"] == blues and r["version_conflicts"] == 0, "update_by_query re-indexed the blue ones")
    es.indices.delete(index=v2)

    # Index templates: applied when a first write creates the index.
    es.cluster.put_component_template(name="clients-base", body={
        "template": {"mappings": {"properties": {"host": {"type": "keyword"}, "@timestamp": {"type": "date"}}}}})
    es.indices.put_index_template(name="clients-logs", body={
        "index_patterns": ["clients-logs-*"], "priority": 5, "composed_of": ["clients-base"],
        "template": {"settings": {"number_of_shards": 2}, "aliases": {"clients-all-logs": {}}}})
    check(es.indices.exists_index_template(name="clients-logs"), "index template stored")
    es.index(index="clients-logs-1", id="1", body={"host": "web-1", "@timestamp": "2026-12-01T10:00:00Z"},
             refresh=True)
    settings = es.indices.get_settings(index="clients-logs-1")["clients-logs-1"]["settings"]["index"]
    check(settings["number_of_shards"] == "2", "the template's settings applied on first write")
    mapping = es.indices.get_mapping(index="clients-logs-1")["clients-logs-1"]["mappings"]["properties"]
    check(mapping["host"]["type"] == "keyword", "the component template's mapping applied")
    check(es.count(index="clients-all-logs")["count"] == 1, "the template's alias applied")

    # A dashboard: documents per day (in +02:00) over the last two days, with
    # the mean of a number and the top hosts per day, empty days included
    # (extended_bounds are read with the aggregation's format, as Elasticsearch reads them).
    base = 1764547200  # 2025-12-01T00:00:00Z
    events = [{"_index": "clients-logs-1", "_id": f"e{i}",
               "_source": {"host": f"web-{i % 3}", "bytes": i * 10,
                           "@timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(base + i * 3600))}}
              for i in range(48)]
    helpers.bulk(es, events, refresh=True)
    r = es.search(index="clients-logs-*", body={
        "size": 0, "query": {"exists": {"field": "bytes"}},
        "aggs": {"per_day": {"date_histogram": {"field": "@timestamp", "calendar_interval": "day",
                                                "time_zone": "+02:00", "format": "yyyy-MM-dd",
                                                "extended_bounds": {"min": "2025-11-29", "max": "2025-12-03"}},
                             "aggs": {"mean_bytes": {"avg": {"field": "bytes"}},
                                      "hosts": {"terms": {"field": "host", "size": 1}}}}}})
    days = collections.Counter()
    sums = collections.defaultdict(int)
    for i in range(48):
        day = time.strftime("%Y-%m-%d", time.gmtime(base + i * 3600 + 2 * 3600))
        days[day] += 1
        sums[day] += i * 10
    buckets = r["aggregations"]["per_day"]["buckets"]
    check([b["key_as_string"] for b in buckets] == ["2025-11-29", "2025-11-30", "2025-12-01", "2025-12-02",
                                                     "2025-12-03"],
          f"one bucket per local day, empty ones included: {[b['key_as_string'] for b in buckets]}")
    check(all(b["doc_count"] == days.get(b["key_as_string"], 0) for b in buckets), "documents per local day")
    check(all(b["mean_bytes"]["value"] is None if not days.get(b["key_as_string"]) else
              abs(b["mean_bytes"]["value"] - sums[b["key_as_string"]] / days[b["key_as_string"]]) < 1e-9
              for b in buckets), "mean per day")
    check(buckets[2]["key"] == (base - 2 * 3600) * 1000, "a day starts at local midnight")

    # A legacy template (the 7.x client's put_template) applies to a new index no
    # composable template matches.
    es.indices.put_template(name="clients-legacy", body={"index_patterns": ["clients-old-*"], "order": 1,
                                                         "settings": {"number_of_shards": 3}})
    check(es.indices.exists_template(name="clients-legacy"), "legacy template stored")
    es.index(index="clients-old-1", id="1", body={"a": 1}, refresh=True)
    old_settings = es.indices.get_settings(index="clients-old-1")["clients-old-1"]["settings"]["index"]
    check(old_settings["number_of_shards"] == "3", "the legacy template applied on first write")
    es.indices.delete(index="clients-old-1")
    es.indices.delete_template(name="clients-legacy")

    # Close and open.
    es.indices.close(index="clients-logs-1")
    try:
        es.search(index="clients-logs-1")
        check(False, "a search of a closed index fails")
    except Exception as e:
        check(getattr(e, "error", "") == "index_closed_exception", f"closed index: {e}")
    es.indices.open(index="clients-logs-1")
    check(es.count(index="clients-logs-1")["count"] == 49, "reopened with its documents")
    es.indices.delete(index="clients-logs-1")
    es.indices.delete_index_template(name="clients-logs")
    es.cluster.delete_component_template(name="clients-base")

    es.indices.delete(index=INDEX)
    check(not es.indices.exists(index=INDEX), "index deleted")
    print("python client test: all checks passed")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # report and fail: the CTest wrapper shows this output
        import traceback
        traceback.print_exc()
        print(f"FAILED: {e}")
        sys.exit(1)
