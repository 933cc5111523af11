#!/usr/bin/env python3
"""Measures the console as a user meets it, in a pseudo-terminal of 80x24:

- time from process start to the first frame with data ("updated … ago" on screen);
- bytes and write bursts sent to the terminal while nobody touches it.

Usage: scripts/measure-tui.py [path/to/opsdeck] [idle seconds]
Build first: cargo build --release. Standard library only.
"""
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import tempfile
import termios
import time

binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/opsdeck"
idle_seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
home = tempfile.mkdtemp(prefix="opsdeck-measure-")

start = time.monotonic()
pid, fd = pty.fork()
if pid == 0:
    os.environ.update(
        HOME=home,
        XDG_CONFIG_HOME=f"{home}/config",
        XDG_STATE_HOME=f"{home}/state",
        TERM="xterm-256color",
    )
    os.execv(binary, [binary, "--demo"])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))


def read_for(seconds, until=None):
    """Reads for up to `seconds`; returns (bytes, bursts, time the marker was seen)."""
    data, bursts, seen = b"", 0, None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], deadline - time.monotonic())
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
        bursts += 1
        if until and seen is None and until in data:
            seen = time.monotonic()
            break
    return data, bursts, seen


_, _, first = read_for(10, until=b"updated")
if first is None:
    sys.exit("no data on screen within 10 s")
print(f"first data on screen: {(first - start) * 1000:.0f} ms after start")
# Let the start-up polls settle, then watch the idle console.
read_for(2)
data, bursts, _ = read_for(idle_seconds)
print(f"idle {idle_seconds:.0f} s: {len(data)} bytes in {bursts} writes "
      f"({len(data) / idle_seconds:.0f} bytes/s, {bursts / idle_seconds:.2f} writes/s)")
os.kill(pid, signal.SIGTERM)
os.waitpid(pid, 0)
