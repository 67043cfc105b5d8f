#!/usr/bin/env python3
"""A fault campaign against bin/qsearch, on loopback only, that a maintainer can rerun.

1. bulk kills: N random SIGKILLs of one `qsearch index` run over generated images, then a run
   to the end; every image must be in the index once (lost and duplicate ids are counted).
2. server kills: a token server takes writes (texts and uploads) until it is SIGKILLed at a
   random moment; after a restart every acknowledged write must be there, and uploads/ must
   hold no file that no image refers to.
3. hostile requests: the requests of issue 19 (and the checks that held before it), each with
   the answer it must get, against a token server and an --insecure-writes server.

Prints one summary table; exits 1 when any row fails.

    /usr/bin/python3 bench/faults.py [--kills 20] [--images 1000] [--server-kills 3] [--work DIR]
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib

HOME = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QSEARCH = os.path.join(HOME, "bin", "qsearch")
TOKEN = "faults-" + uuid.uuid4().hex


def png(width, height, seed):
    """A small PNG of its own colours (distinct bytes, so the bulk run dedupes nothing)."""
    rng = random.Random(seed)
    rows = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(3 * width)) for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def make_images(folder, count):
    os.makedirs(folder, exist_ok=True)
    for i in range(count):
        with open(os.path.join(folder, f"img-{i:05d}.png"), "wb") as f:
            f.write(png(32, 32, i))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def qsearch(*args, **kwargs):
    return subprocess.run([QSEARCH, *args], capture_output=True, text=True, **kwargs)


def listed_ids(index):
    out = qsearch("ls", "--index", index, "--images")
    if out.returncode != 0:
        return None
    return [line.split(" ")[1] for line in out.stdout.splitlines() if line.startswith("image ")]


def bulk_kills(work, kills, images):
    folder = os.path.join(work, "bulk-input")
    index = os.path.join(work, "bulk-index")
    make_images(folder, images)
    kept = []
    for _ in range(kills):
        run = subprocess.Popen([QSEARCH, "index", "--index", index, "--input", folder],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # from the query-means sample into the indexing (start-up, sample and 1,000 images take ~45 s here)
        time.sleep(random.uniform(10.0, 40.0))
        run.send_signal(signal.SIGKILL)
        run.wait()
        ids = listed_ids(index)
        kept.append(len(ids) if ids is not None else 0)
    final = qsearch("index", "--index", index, "--input", folder)
    ids = listed_ids(index) or []
    lost = images - len(set(ids))
    duplicates = len(ids) - len(set(ids))
    errors_file = os.path.join(index, "errors.jsonl")
    errors = sum(1 for _ in open(errors_file)) if os.path.exists(errors_file) else 0
    detail = (f"{kills} kills, images kept after each: {kept}; final run exit {final.returncode}; "
              f"{len(set(ids))}/{images} images, errors.jsonl lines {errors}")
    return [("bulk: lost images after resume", "0", str(lost), lost == 0, detail),
            ("bulk: duplicate ids", "0", str(duplicates), duplicates == 0, "")]


class Server:
    """bin/qsearch serve on a free loopback port."""

    def __init__(self, index, *options):
        self.port = free_port()
        self.process = subprocess.Popen([QSEARCH, "serve", "--index", index, "--port", str(self.port), *options],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the server exited: " + self.process.stderr.read())
            try:
                if self.request("GET", "/api/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("the server did not start")

    def request(self, method, path, body=b"", headers=None, timeout=120):
        """(status, content type, body) of one request; a Host header given replaces the real one."""
        headers = dict(headers or {})
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.putrequest(method, path, skip_host="Host" in headers, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type", ""), response.read()
        finally:
            connection.close()

    def json(self, method, path, document, token=None, headers=None):
        h = {"Content-Type": "application/json", **(headers or {})}
        if token:
            h["Authorization"] = "Bearer " + token
        return self.request(method, path, json.dumps(document).encode(), h)

    def multipart(self, path, fields, image=None, token=None, headers=None):
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields:
            parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode())
        if image is not None:
            parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x\"\r\n"
                         f"Content-Type: application/octet-stream\r\n\r\n".encode() + image + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        h = {"Content-Type": "multipart/form-data; boundary=" + boundary, **(headers or {})}
        if token:
            h["Authorization"] = "Bearer " + token
        return self.request("POST", path, body, h)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait()


def served_index(work, name, count):
    """A small indexed collection for the servers."""
    folder = os.path.join(work, name + "-collection")
    index = os.path.join(work, name + "-index")
    make_images(folder, count)
    out = qsearch("index", "--index", index, "--input", folder)
    if out.returncode != 0:
        raise RuntimeError("indexing failed: " + out.stderr)
    return folder, index


def server_kills(work, rounds):
    folder, index = served_index(work, "writes", 8)
    acknowledged, missing = [], []
    for r in range(rounds):
        server = Server(index, "--token", TOKEN)
        acked_this_round = []
        stop = threading.Event()

        def writer():
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    if i % 3 == 0:
                        status, _, body = server.multipart("/api/docs", [("id", f"up-{r}-{i}")],
                                                           png(24, 24, 10_000 * (r + 1) + i), TOKEN)
                    else:
                        status, _, body = server.json("POST", "/api/docs",
                                                      {"texts": [{"text": f"fault text {r} {i}", "id": f"t-{r}-{i}"}]},
                                                      TOKEN)
                except OSError:
                    return  # the server is gone: this write was never acknowledged
                if status == 200:
                    acked_this_round.extend(json.loads(body)["ids"])

        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(random.uniform(2.0, 8.0))
        server.kill()
        stop.set()
        thread.join()
        acknowledged.extend(acked_this_round)
    server = Server(index, "--token", TOKEN)
    try:
        for doc in acknowledged:
            if server.request("GET", "/api/docs/" + doc)[0] != 200:
                missing.append(doc)
    finally:
        server.stop()
    uploads = os.path.join(folder, "uploads")
    referenced = {line.split(" ", 2)[2] for line in qsearch("ls", "--index", index, "--images").stdout.splitlines()}
    orphans = sum(1 for name in (os.listdir(uploads) if os.path.isdir(uploads) else [])
                  if "uploads/" + name not in referenced)
    return [("server: acknowledged writes lost", "0", str(len(missing)), not missing,
             f"{rounds} kills during writes, {len(acknowledged)} acknowledged" + (f"; lost {missing[:5]}" if missing else "")),
            ("server: orphan uploads after restart", "0", str(orphans), orphans == 0, "")]


def hostile(work):
    folder, index = served_index(work, "hostile", 4)
    outside = os.path.join(work, "outside.png")
    with open(outside, "wb") as f:
        f.write(png(16, 16, 424242))
    os.symlink(outside, os.path.join(folder, "evil2.png"))
    rows = []

    def check(name, expected, call, detail=""):
        start = time.time()
        try:
            status, content_type, _ = call()
            got = str(status)
            ok = got in expected.split("|") and (status < 400 or content_type.startswith("application/problem+json"))
        except OSError as e:
            got, ok = "no answer: " + str(e), False
        rows.append((name, expected, got, ok, f"{(time.time() - start) * 1000:.0f} ms" + (", " + detail if detail else "")))

    server = Server(index, "--token", TOKEN)
    try:
        many_keys = {"text": "cat", "filter": {f"k{i}": "v" for i in range(20_000)}}
        check("filter with 20,000 keys", "400", lambda: server.json("POST", "/api/search", many_keys))
        gif = b"GIF89aX\x1bX\x1b\x00\x00\x00,\x00\x00\x00\x00X\x1bX\x1b\x00\x02\x02D\x01\x00;"
        check("29-byte GIF claiming 7000x7000", "422", lambda: server.multipart("/api/search", [], gif))
        check("write via a link out of the collection", "400",
              lambda: server.json("POST", "/api/docs", {"images": [{"uri": "evil2.png"}]}, TOKEN))
        check("path traversal in a write", "400",
              lambda: server.json("POST", "/api/docs", {"images": [{"uri": "../outside.png"}]}, TOKEN))
        check("1 MB text written", "400|413",
              lambda: server.json("POST", "/api/docs", {"texts": [{"text": "a" * 1_000_000}]}, TOKEN))
        check("1,001-character text written", "400",
              lambda: server.json("POST", "/api/docs", {"texts": [{"text": "a" * 1001}]}, TOKEN))
        check("999-emoji query", "200", lambda: server.json("POST", "/api/search", {"text": "\U0001F34E" * 999, "rerank": 0}))
        check("PUT /api/search", "405", lambda: server.request("PUT", "/api/search", b"{}", {"Content-Type": "application/json"}))
        check("GET /api/search", "405", lambda: server.request("GET", "/api/search"))
        server.json("POST", "/api/docs", {"texts": [{"text": "an overridden fig", "id": "override-me"}]}, TOKEN)
        check("POST with X-HTTP-Method-Override: DELETE", "405",
              lambda: server.request("POST", "/api/docs/override-me", b"",
                                     {"Authorization": "Bearer " + TOKEN, "X-HTTP-Method-Override": "DELETE"}))
        check("... and the document is still there", "200", lambda: server.request("GET", "/api/docs/override-me"))
        check("multipart form with 1,000 fields", "400",
              lambda: server.multipart("/api/search", [(f"f{i}", "v") for i in range(1000)], png(8, 8, 1)))
        check("20 KB URI", "414", lambda: server.request("GET", "/api/health?q=" + "x" * 20_000))
        check("20 KB header", "431", lambda: server.request("GET", "/api/health", b"", {"X-Big": "y" * 20_000}))
        check("rebound Host on a read", "421", lambda: server.request("GET", "/api/health", b"", {"Host": "attacker.example"}))
        check("traversal in an image id", "404", lambda: server.request("GET", "/api/images/..%2F..%2Fetc%2Fpasswd"))
        check("wrong token", "401", lambda: server.json("POST", "/api/docs", {"texts": [{"text": "x"}]}, "wrong"))
    finally:
        server.stop()

    open_server = Server(index, "--insecure-writes")
    try:
        self_host = f"127.0.0.1:{open_server.port}"
        check("insecure: DNS-rebinding write (Host and Origin attacker)", "421",
              lambda: open_server.multipart("/api/docs", [], png(8, 8, 2), None,
                                            {"Host": "attacker.example", "Origin": "https://attacker.example"}))
        check("insecure: cross-site write (Origin attacker)", "403",
              lambda: open_server.multipart("/api/docs", [], png(8, 8, 3), None,
                                            {"Host": self_host, "Origin": "https://attacker.example"}))
        check("insecure: write from its own page", "200",
              lambda: open_server.json("POST", "/api/docs", {"texts": [{"text": "own page"}]}, None,
                                       {"Host": self_host, "Origin": "http://" + self_host}))
    finally:
        open_server.stop()
    return [("hostile: " + name, expected, got, ok, detail) for name, expected, got, ok, detail in rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs of the bulk run (default 20)")
    parser.add_argument("--images", type=int, default=1000, help="images the bulk run indexes (default 1000)")
    parser.add_argument("--server-kills", type=int, default=3, help="SIGKILLs of a server taking writes (default 3)")
    parser.add_argument("--work", help="working folder (default: a new temp folder, removed afterwards)")
    parser.add_argument("--seed", type=int, help="seed of the kill times")
    args = parser.parse_args()
    random.seed(args.seed)
    work = args.work or tempfile.mkdtemp(prefix="qsearch-faults-")
    started = time.time()
    try:
        rows = bulk_kills(work, args.kills, args.images) + server_kills(work, args.server_kills) + hostile(work)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    width = max(len(r[0]) for r in rows)
    print(f"{'check':<{width}}  {'expected':<8}  {'got':<6}  {'':<4}  detail")
    for name, expected, got, ok, detail in rows:
        print(f"{name:<{width}}  {expected:<8}  {got:<6}  {'ok' if ok else 'FAIL':<4}  {detail}")
    failed = sum(1 for r in rows if not r[3])
    print(f"{len(rows) - failed}/{len(rows)} checks passed in {time.time() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
