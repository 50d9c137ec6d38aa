-- A well-behaved client: one request every 25 ms (40/s, inside its key's budget of 50/s), as
-- its own address. Prints its p95 and p50 latency in ms and how many answers were not 2xx.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEY")
wrk.headers["X-Forwarded-For"] = os.getenv("ADDRESS")
function delay() return 25 end
done = function(summary, latency, requests)
  io.write(string.format("RESULT p95 %.1f p50 %.1f requests %d non2xx %d\n",
    latency:percentile(95) / 1000, latency:percentile(50) / 1000, summary.requests, summary.errors.status))
end
