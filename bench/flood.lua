-- A flood on one key (or one website session, COOKIE) from one address, as fast as the node answers.
-- Prints requests and non-2xx.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEY")
wrk.headers["X-Forwarded-For"] = os.getenv("ADDRESS")
if os.getenv("COOKIE") then wrk.headers["Cookie"] = os.getenv("COOKIE") end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests %d non2xx %d\n", summary.requests, summary.errors.status))
end
