-- wrk script for bench/harness.py's run_load: POSTs pre-generated JSON bodies, each once.
--
-- Read from the environment (the harness sets them):
--   BENCH_BODIES     file with one JSON body a line, in request order
--   BENCH_THREADS    wrk's thread count (-t); thread k of T sends lines k, k+T, k+2T, ...
--   BENCH_RATE       requests/s to pace the whole run to; 0 or unset: as fast as answers come
--   BENCH_SEND_TIME  placeholder replaced, in each body, by the wall-clock time (Unix seconds,
--                    microsecond digits) at which the request is built, just before it is sent
-- Headers (Content-Type and the benchmark's own) come from wrk's -H options.
--
-- done() prints one line, "BENCH_RESULT " followed by JSON: requests, duration_us, errors,
-- latency percentiles in microseconds (wrk's, after its coordinated-omission correction),
-- statuses (per HTTP status) and exhausted (requests that found no body left: none were sent).

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long sec; long usec; } bench_timeval;
int gettimeofday(bench_timeval *tv, void *tz);
]])
local clock = ffi.new("bench_timeval")

local function now_us()
    ffi.C.gettimeofday(clock, nil)
    return tonumber(clock.sec) * 1000000 + tonumber(clock.usec)
end

local thread_count = tonumber(os.getenv("BENCH_THREADS") or "1")
local rate = tonumber(os.getenv("BENCH_RATE") or "0")
local placeholder = os.getenv("BENCH_SEND_TIME") or ""

-- Main state: one entry per thread, for done() to read their counters.
local threads = {}

function setup(thread)
    table.insert(threads, thread)
    thread:set("id", #threads)
end

-- Thread states: this thread's bodies, split around the send-time placeholder.
local bodies = {}
local cursor = 0
local prefix = ""
statuses = {}
exhausted = 0

local function split(line)
    if placeholder == "" then
        return { line }
    end
    local parts, start = {}, 1
    while true do
        local first, last = string.find(line, placeholder, start, true)
        if not first then
            break
        end
        parts[#parts + 1] = string.sub(line, start, first - 1)
        start = last + 1
    end
    parts[#parts + 1] = string.sub(line, start)
    return parts
end

function init(_args)
    local path = assert(os.getenv("BENCH_BODIES"), "BENCH_BODIES is not set")
    local number = 0
    for line in io.lines(path) do
        if number % thread_count == id - 1 then
            bodies[#bodies + 1] = split(line)
        end
        number = number + 1
    end
    local host = wrk.headers["Host"] or (wrk.port and (wrk.host .. ":" .. wrk.port) or wrk.host)
    local lines = { "POST " .. wrk.path .. " HTTP/1.1", "Host: " .. host }
    for name, value in pairs(wrk.headers) do
        if name ~= "Host" then
            lines[#lines + 1] = name .. ": " .. value
        end
    end
    prefix = table.concat(lines, "\r\n") .. "\r\nContent-Length: "
end

function request()
    cursor = cursor + 1
    local parts = bodies[cursor]
    if parts == nil then
        -- Out of bodies: send nothing (an empty write) rather than a duplicate, stop this
        -- thread, and say so in done().
        exhausted = exhausted + 1
        wrk.thread:stop()
        return ""
    end
    local body = parts[1]
    if #parts > 1 then
        local stamp = string.format("%.6f", now_us() / 1000000)
        body = table.concat(parts, stamp)
    end
    return prefix .. #body .. "\r\n\r\n" .. body
end

function response(status, _headers, _body)
    statuses[status] = (statuses[status] or 0) + 1
end

if rate > 0 then
    -- Each thread hands out send slots `interval` apart (its share of the rate), offset so the
    -- threads interleave; a connection that finishes a request waits for the next free slot.
    -- A slot already past is taken at once and not made up, so the rate never exceeds `rate`
    -- and, when the server is slower than that, the run falls back to one request in flight
    -- per connection.
    local interval = thread_count * 1000000 / rate
    local next_slot = nil

    function delay()
        local now = now_us()
        if next_slot == nil then
            next_slot = now + (id - 1) * interval / thread_count
        elseif next_slot < now then
            next_slot = now
        end
        local wait = next_slot - now
        next_slot = next_slot + interval
        return math.floor(wait / 1000)
    end
end

local function json_counts(counts)
    local items = {}
    for key, count in pairs(counts) do
        items[#items + 1] = string.format('"%s":%d', tostring(key), count)
    end
    return "{" .. table.concat(items, ",") .. "}"
end

function done(summary, latency, _requests)
    local merged, out_of_bodies = {}, 0
    for _, thread in ipairs(threads) do
        for status, count in pairs(thread:get("statuses")) do
            merged[status] = (merged[status] or 0) + count
        end
        out_of_bodies = out_of_bodies + thread:get("exhausted")
    end
    local percentiles = {}
    for _, p in ipairs({ 50, 75, 90, 99, 99.9 }) do
        percentiles[#percentiles + 1] = string.format('"%s":%.0f', p / 100, latency:percentile(p))
    end
    local errors = summary.errors
    io.write(
        string.format(
            'BENCH_RESULT {"requests":%d,"duration_us":%d,"exhausted":%d,"statuses":%s,'
                .. '"errors":%s,"latency_us":{%s}}\n',
            summary.requests,
            summary.duration,
            out_of_bodies,
            json_counts(merged),
            json_counts({
                connect = errors.connect,
                read = errors.read,
                write = errors.write,
                timeout = errors.timeout,
            }),
            table.concat(percentiles, ",")
        )
    )
end
