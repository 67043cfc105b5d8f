"""Where a search's CPU time goes, from a JFR recording of a benchmark: the share of
the execution samples inside a search that fall in HNSW candidate gathering,
exact rescoring, stored fields or elsewhere, and the top leaf frames.

Record with a deep stack limit (JFR's default of 64 frames cuts most HNSW stacks
short, so they would land in "other") and a 1 ms sampling period:

    QSEARCH_JAVA_OPTS="-XX:FlightRecorderOptions:stackdepth=512 \
      -XX:StartFlightRecording=filename=/tmp/ann.jfr,settings=profile,jdk.ExecutionSample#period=1ms" \
      bin/qsearch bench ann --collection ~/.cache/qsearch/bench/ann-10000 --graphs auto \
      --formats float32 --over-fetch 20 --rounds 5 --no-peers --merge-to 1 --out /tmp/ann
    /usr/bin/python3 tools/bench/jfr_split.py /tmp/ann.jfr

Needs the JDK's `jfr` tool (JAVA_HOME, else Temurin 25's).
"""
import argparse
import collections
import os
import re
import subprocess

FRAME = re.compile(r"^\s+([\w.$<>]+)\(", re.M)
# first match wins: rescoring and stored fields run after the kNN query, never inside it
CATEGORIES = [
    ("exact rescoring", ("ExactItcScorer",)),
    ("HNSW candidates", ("KnnVectorQuery", "Hnsw")),
    ("stored fields", ("StoredFields",)),
]


def samples(jfr_file, java_home):
    """Stacks (leaf first) of every execution sample in the recording."""
    text = subprocess.run(
        [os.path.join(java_home, "bin", "jfr"), "print", "--events", "jdk.ExecutionSample",
         "--stack-depth", "512", jfr_file],
        check=True, capture_output=True, text=True).stdout
    return [FRAME.findall(event) for event in text.split("jdk.ExecutionSample {")[1:]]


def category(stack):
    joined = " ".join(stack)
    for name, markers in CATEGORIES:
        if any(marker in joined for marker in markers):
            return name
    return "other"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("jfr_file")
    parser.add_argument("--within", default="ImageIndexSearcher.searchImages",
                        help="count only samples whose stack holds this method (default: %(default)s)")
    parser.add_argument("--top", type=int, default=15, help="leaf frames to list (default: %(default)s)")
    args = parser.parse_args()
    java_home = os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64")
    stacks = [s for s in samples(args.jfr_file, java_home) if s and any(args.within in f for f in s)]
    if not stacks:
        raise SystemExit(f"no samples inside {args.within} in {args.jfr_file}")
    shares = collections.Counter(category(s) for s in stacks)
    leaves = collections.Counter(s[0] for s in stacks)
    print(f"{len(stacks)} samples inside {args.within}")
    for name, count in shares.most_common():
        print(f"  {100 * count / len(stacks):5.1f}%  {name}")
    print(f"top {args.top} leaf frames:")
    for frame, count in leaves.most_common(args.top):
        print(f"  {100 * count / len(stacks):5.1f}%  {frame}")


if __name__ == "__main__":
    main()
