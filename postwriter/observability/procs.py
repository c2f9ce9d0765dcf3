"""Process-tree facts from /proc (Linux): resident memory of a process and its children."""

from __future__ import annotations

from pathlib import Path

PROC = Path("/proc")


def _children_and_rss() -> tuple[dict[int, list[int]], dict[int, int]]:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue  # the process ended while we looked
        pid = int(entry.name)
        children.setdefault(int(stat[1]), []).append(pid)
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[pid] = int(line.split()[1])
                break
    return children, rss


def descendants_rss_kib(root: int, *, include_root: bool = False) -> int:
    """Resident KiB of every descendant of `root` (a browser and its helpers)."""
    if not PROC.is_dir():
        return 0
    children, rss = _children_and_rss()
    total = rss.get(root, 0) if include_root else 0
    stack = list(children.get(root, []))
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total
