-- wrk script: POST /api/search with text queries taken in turn from a list of emoji names,
-- rerank depth from the RERANK environment variable (0 = off). done() prints one JSON line.
local queries = {"red heart", "smiling face", "dog", "pizza", "rocket", "red apple", "sun", "snowman",
  "cat face", "birthday cake", "thumbs up", "fire", "christmas tree", "banana", "car", "flag"}
local rerank = tonumber(os.getenv("RERANK") or "0")
local k = tonumber(os.getenv("K") or "20")
local counter = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  counter = counter + 1
  local q = queries[(counter % #queries) + 1]
  return wrk.format(nil, nil, nil,
    string.format('{"text": "%s", "k": %d, "rerank": %d}', q, k, rerank))
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "qps": %.2f, "p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, ' ..
    '"max_ms": %.2f, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.connect, e.read, e.write, e.status, e.timeout))
end
