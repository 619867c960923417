"""Open-loop HTTP load (no coordinated omission): request i is sent at t0 + i / rate whatever the
latency of the others, and its latency counts from that scheduled time, so a server that stalls
is charged for the requests that waited behind the stall.

No open-loop tool is packaged here (vegeta is not in Debian; wrk is closed-loop): asyncio with a
small HTTP/1.1 client over keep-alive connections (Content-Length and chunked bodies; gzip asked
for as a browser does, bodies not decoded), a pool of at most `connections` sockets."""

import asyncio
import threading
import time
from dataclasses import dataclass, field

RETRYABLE = (ConnectionError, asyncio.IncompleteReadError)


@dataclass
class Request:
    kind: str
    method: str
    path: str
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    ok: tuple = (200,)


@dataclass
class Outcome:
    kind: str
    status: object  # int, or the exception's name
    latency_ms: float
    ok: bool


class _Pool:
    def __init__(self, host, port, size):
        self.host, self.port = host, port
        self.idle = []
        self.slots = asyncio.Semaphore(size)

    async def acquire(self):
        await self.slots.acquire()
        if self.idle:
            return self.idle.pop(), True
        try:
            return await asyncio.open_connection(self.host, self.port), False
        except BaseException:
            self.slots.release()
            raise

    def release(self, connection, reusable):
        if reusable:
            self.idle.append(connection)
        else:
            connection[1].close()
        self.slots.release()

    def close(self):
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


async def _exchange(connection, host_header, request):
    reader, writer = connection
    head = [f"{request.method} {request.path} HTTP/1.1", f"Host: {host_header}", "Accept-Encoding: gzip"]
    head += [f"{name}: {value}" for name, value in request.headers.items()]
    if request.body or request.method in ("POST", "PUT", "PATCH", "DELETE"):
        head.append(f"Content-Length: {len(request.body)}")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + request.body)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("connexion fermée par le serveur")
    status = int(status_line.split(b" ", 2)[1])
    length, chunked, keep = None, False, True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and value == "close":
            keep = False
    if status in (204, 304) or request.method == "HEAD":
        return status, keep
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length is not None:
        await reader.readexactly(length)
    else:  # body up to the end of the connection
        await reader.read()
        keep = False
    return status, keep


async def _send(pool, host_header, request):
    for attempt in (1, 2):
        connection, reused = await pool.acquire()
        try:
            status, keep = await _exchange(connection, host_header, request)
        except RETRYABLE:
            pool.release(connection, False)
            if reused and attempt == 1:
                continue  # a keep-alive connection the server had closed: once more, on a new one
            raise
        except BaseException:
            pool.release(connection, False)
            raise
        pool.release(connection, keep)
        return status
    raise AssertionError("unreachable")


async def _run(port, requests, rate, timeout, connections, host):
    loop = asyncio.get_running_loop()
    pool = _Pool(host, port, connections)
    host_header = f"{host}:{port}"
    outcomes = [None] * len(requests)

    async def one(index, request, due):
        try:  # the time-out counts from the scheduled time too (waiting for a free socket included)
            remaining = max(0.001, due + timeout - loop.time())
            status = await asyncio.wait_for(_send(pool, host_header, request), remaining)
            ok = status in request.ok
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as error:
            status, ok = type(error).__name__, False
        outcomes[index] = Outcome(request.kind, status, (loop.time() - due) * 1000, ok)

    t0 = loop.time() + 0.05
    tasks = []
    for index, request in enumerate(requests):
        due = t0 + index / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(loop.create_task(one(index, request, due)))
    await asyncio.gather(*tasks)
    wall = loop.time() - t0
    pool.close()
    return outcomes, wall


def open_loop(port, requests, rate, timeout=10.0, connections=512, host="127.0.0.1"):
    """Send `requests` at `rate` per second (open loop); ([Outcome], wall seconds, client CPU seconds)."""
    cpu = time.process_time()
    outcomes, wall = _in_own_loop(lambda: _run(port, requests, rate, timeout, connections, host))
    return outcomes, wall, time.process_time() - cpu


def _in_own_loop(make_coroutine):
    """asyncio.run(), in a thread of its own when this thread already runs an event loop (Playwright's
    sync API does, in the test session)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    result = {}

    def run():
        try:
            result["value"] = asyncio.run(make_coroutine())
        except BaseException as error:  # noqa: BLE001 - raised again in the caller's thread
            result["error"] = error

    worker = threading.Thread(target=run, name="open-loop")
    worker.start()
    worker.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))], 1)
