#!/usr/bin/env python3
"""Measures the console as a user meets it, in a pseudo-terminal of 80x24:

- time from process start to the first frame with data ("updated … ago" on screen);
- bytes and write bursts sent to the terminal while nobody touches it;
- CPU time used while idle (share of one core) and peak memory (VmHWM).

Usage: scripts/measure-tui.py [path/to/opsdeck] [idle seconds] [rows per source]
With rows, the demo pads its task, run and query lists to that many rows (--demo-rows)
and the console visits every tab once before idling, so each table has been built.
Build first: cargo build --release. Standard library and Linux /proc only.
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
rows = sys.argv[3] if len(sys.argv) > 3 else None
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
    extra = ["--demo-rows", rows] if rows else []
    os.execv(binary, [binary, "--demo", *extra])
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


def cpu_seconds():
    """User + system CPU time of the console so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_memory_mb():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


_, _, first = read_for(10, until=b"updated")
if first is None:
    sys.exit("no data on screen within 10 s")
print(f"first data on screen: {(first - start) * 1000:.0f} ms after start")
# Let the start-up polls settle (visiting every tab once), then watch the idle console.
for key in b"234512" if rows else b"":
    os.write(fd, bytes([key]))
    read_for(1)
read_for(2)
cpu_before = cpu_seconds()
data, bursts, _ = read_for(idle_seconds)
cpu = cpu_seconds() - cpu_before
print(f"idle {idle_seconds:.0f} s: {len(data)} bytes in {bursts} writes "
      f"({len(data) / idle_seconds:.0f} bytes/s, {bursts / idle_seconds:.2f} writes/s)")
print(f"idle CPU: {cpu:.2f} s in {idle_seconds:.0f} s ({100 * cpu / idle_seconds:.2f} % of a core)")
print(f"peak memory (VmHWM): {peak_memory_mb():.1f} MB")
os.kill(pid, signal.SIGTERM)
os.waitpid(pid, 0)
