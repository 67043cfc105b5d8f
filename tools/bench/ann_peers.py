"""The peers of qsearch's ANN benchmark on the very vectors qsearch indexed:
FAISS (HNSW flat, and IndexFlatIP brute force) and hnswlib, each searching the
images' query vectors (children), grouping the hits to images by max and
rescoring the candidate images exactly with all their vectors, as qsearch does.

    /usr/bin/python3 tools/bench/ann_peers.py --data DIR --k 10 --over-fetch 1,5,20 --out peers.json

DIR holds images.npy (N x 32 x E float32, normalized), queries.npy (Q x E)
and graph_mask.npy (N x 32, 1 where qsearch's auto graph holds the vector),
written by `bin/qsearch bench ann`. The HNSW engines run twice: on every
vector ("all") and on the vectors qsearch's graph holds ("auto"); --graphs
picks which. Needs
Debian's python3-faiss and python3-hnswlib. Prints nothing but errors; the JSON holds every figure.
"""
import argparse
import json
import os
import tempfile
import time

import numpy as np


def exact_top(images, queries, k):
    """Exact max-over-32 top-k image ids per query (the ground truth)."""
    flat = images.reshape(-1, images.shape[2])
    block = max(1, (1 << 27) // len(flat))  # queries per product: at most 512 MB of scores
    top = []
    for start in range(0, len(queries), block):
        scores = (queries[start:start + block] @ flat.T).reshape(-1, images.shape[0], images.shape[1]).max(2)
        top.extend(np.argsort(-scores, 1, kind="stable")[:, :k])
    return np.array(top)


def rescore(images, query, children, k):
    """Candidate images from child hits, rescored with all their vectors: top-k image ids."""
    candidates = np.unique(children[children >= 0] // images.shape[1])
    scores = (images[candidates] @ query).max(1)
    return candidates[np.argsort(-scores, kind="stable")[:k]]


def measure(search, images, queries, truth, k, child_k):
    """Recall@k, QPS (batch, the engine's own threads) and p50/p99 of one-query calls."""
    t0 = time.perf_counter()
    children = search(queries, child_k)
    batch_seconds = time.perf_counter() - t0
    found = [rescore(images, q, c, k) for q, c in zip(queries, children)]
    recall = float(np.mean([len(set(f) & set(t)) / k for f, t in zip(found, truth)]))
    single = []
    for q in queries:
        t0 = time.perf_counter()
        rescore(images, q, search(q[None, :], child_k)[0], k)
        single.append(time.perf_counter() - t0)
    single = np.sort(np.array(single)) * 1000
    return {"recall": recall, "qps_search_only": len(queries) / batch_seconds,
            "qps_1_query_calls": len(queries) / (single.sum() / 1000),
            "p50_ms": float(single[len(single) // 2]), "p99_ms": float(single[min(len(single) - 1, int(0.99 * len(single)))])}


def file_bytes(save):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "index")
        save(path)
        return os.path.getsize(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--over-fetch", default="1,5,20", help="child hits per query, as multiples of k")
    ap.add_argument("--hnsw-m", type=int, default=16)
    ap.add_argument("--hnsw-beam", type=int, default=100)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--graphs", default="all,auto", help="HNSW over every vector (all), or qsearch's auto graph's (auto)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    import faiss
    import hnswlib

    images = np.load(os.path.join(args.data, "images.npy")).astype(np.float32)
    queries = np.load(os.path.join(args.data, "queries.npy")).astype(np.float32)
    n, per_image, dim = images.shape
    flat = np.ascontiguousarray(images.reshape(-1, dim))
    truth = exact_top(images, queries, args.k)
    over_fetch = [int(f) for f in args.over_fetch.split(",")]
    threads = [int(t) for t in args.threads.split(",")]
    report = {"images": n, "vectors_per_image": per_image, "dim": dim, "queries": len(queries), "k": args.k,
              "hnsw_m": args.hnsw_m, "hnsw_beam": args.hnsw_beam, "engines": []}

    # FAISS brute force: the top 32 k children always hold the top k images
    t0 = time.perf_counter()
    brute = faiss.IndexFlatIP(dim)
    brute.add(flat)
    build = time.perf_counter() - t0
    for t in threads:
        faiss.omp_set_num_threads(t)
        row = measure(lambda q, c: brute.search(q, c)[1], images, queries, truth, args.k, per_image * args.k)
        report["engines"].append({"engine": "faiss-flat-ip", "graph": "-", "threads": t, "over_fetch": per_image, "build_s": build,
                                  "bytes_per_image": file_bytes(lambda p: faiss.write_index(brute, p)) / n, **row})

    mask = np.load(os.path.join(args.data, "graph_mask.npy")).reshape(-1) > 0.5
    members = {"all": np.arange(len(flat)), "auto": np.nonzero(mask)[0]}
    for graph in args.graphs.split(","):
        ids = members[graph]
        vectors = np.ascontiguousarray(flat[ids])

        def children(labels):
            """HNSW labels (rows of `vectors`) to child numbers, keeping -1 (no hit)."""
            return np.where(labels >= 0, ids[np.maximum(labels, 0)], -1)

        faiss.omp_set_num_threads(max(threads))
        t0 = time.perf_counter()
        hnsw = faiss.IndexHNSWFlat(dim, args.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = args.hnsw_beam
        hnsw.add(vectors)
        build = time.perf_counter() - t0
        hnsw_bytes = file_bytes(lambda p: faiss.write_index(hnsw, p)) / n
        for f in over_fetch:
            hnsw.hnsw.efSearch = f * args.k
            for t in threads:
                faiss.omp_set_num_threads(t)
                row = measure(lambda q, c: children(hnsw.search(q, c)[1]), images, queries, truth, args.k, f * args.k)
                report["engines"].append({"engine": "faiss-hnsw-flat", "graph": graph, "threads": t, "over_fetch": f,
                                          "build_s": build, "bytes_per_image": hnsw_bytes, **row})

        t0 = time.perf_counter()
        hl = hnswlib.Index(space="ip", dim=dim)
        hl.init_index(max_elements=len(vectors), M=args.hnsw_m, ef_construction=args.hnsw_beam)
        hl.add_items(vectors, num_threads=max(threads))
        build = time.perf_counter() - t0
        hl_bytes = file_bytes(hl.save_index) / n
        for f in over_fetch:
            hl.set_ef(f * args.k)
            for t in threads:
                row = measure(lambda q, c: children(hl.knn_query(q, k=c, num_threads=t)[0].astype(np.int64)), images,
                              queries, truth, args.k, f * args.k)
                report["engines"].append({"engine": "hnswlib", "graph": graph, "threads": t, "over_fetch": f,
                                          "build_s": build, "bytes_per_image": hl_bytes, **row})
    with open(args.out, "w") as out:
        json.dump(report, out, indent=1)


if __name__ == "__main__":
    main()
