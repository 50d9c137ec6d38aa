-- wrk script: POST /v1/activations with a fresh Idempotency-Key each time, API keys taken in
-- turn from $KEYS_FILE; MANY_OFFERS=1 picks a random service and country per order.
-- Keys must be fresh across runs too: a key seen before (kept 24 h) answers a replay of its first
-- order, which would count as an order without doing one.
local keys = {}
for line in io.lines(os.getenv("KEYS_FILE")) do keys[#keys + 1] = line end
local many = os.getenv("MANY_OFFERS") == "1"
local services = {"tg", "wa", "go", "fb", "ig", "tw", "ds", "vi", "wb", "mm", "ub", "oi", "ot", "vk", "ok", "am"}
local countries = {0, 1, 2, 4, 6, 7, 10, 16, 22, 36, 43, 52, 54, 62, 73, 78, 86, 187}
local threads = {}
local id = 0

-- wrk loads this file once per thread (and once for setup), so each thread draws its own prefix:
-- the time and 6 bytes of /dev/urandom, so two runs, even in the same second, share no key.
local function random_prefix()
  local bytes = ""
  local urandom = io.open("/dev/urandom", "rb")
  if urandom then
    bytes = urandom:read(6) or ""
    urandom:close()
  end
  return os.time() .. "-" .. bytes:gsub(".", function(c) return string.format("%02x", c:byte()) end)
end
local prefix = random_prefix()

function setup(thread)
  id = id + 1
  thread:set("tid", id)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  failures = 0
  -- Random offers differ between runs too.
  math.randomseed(os.time() + tid * 7919)
end

function request()
  counter = counter + 1
  local key = keys[((counter * 31 + tid) % #keys) + 1]
  local body = '{"service":"tg","country":0}'
  if many then
    body = '{"service":"' .. services[math.random(#services)] .. '","country":' .. countries[math.random(#countries)] .. '}'
  end
  return wrk.format("POST", "/v1/activations", {
    ["Authorization"] = "Bearer " .. key,
    ["Idempotency-Key"] = "wrk-" .. prefix .. "-" .. tid .. "-" .. counter,
    ["Content-Type"] = "application/json",
  }, body)
end

function response(status, headers, body)
  if status ~= 201 then failures = failures + 1 end
end

function done(summary, latency, requests)
  local failed = 0
  for _, t in ipairs(threads) do failed = failed + t:get("failures") end
  io.write(string.format("RESULT %.0f orders/s, p50 %.1f ms, p99 %.1f ms, %d not 201\n",
    (summary.requests - failed) / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000, failed))
end
