"""The gateway and its floor side by side: each figure for both, their ratio, and whether the
gateway meets its target (PASS/FAIL)."""

from collections.abc import Callable
from dataclasses import astuple, dataclass

from bench.harness import LoadResult, milliseconds
from bench.peer import PeerStats

THROUGHPUT_SHARE = 0.6
"""The gateway's sustained delivered throughput, as a share of the floor's, at least."""
ACCEPT_P99_SECONDS = 0.025
"""At half rate, the 99th percentile of the time to accept a request, at most."""
E2E_MEDIAN_SECONDS = 0.050
"""At half rate, the median time from sending a request to its delivery, at most."""
PROCESS_RSS_BYTES = 300 * 10**6
"""The peak resident memory of each process, at most."""


@dataclass(frozen=True)
class Figures:
    """What one side measured. The peak run: wrk's view, how many deliveries the fake peer saw
    within it, how long the worker took to catch up after it, and the deliveries once caught
    up; CPU seconds over the run and the catch-up by process group (server, worker, PostgreSQL)
    and the fake peer's apart; the largest single process's peak memory and which it was. The
    half-rate run: wrk's view and the deliveries once caught up."""

    peak: LoadResult
    delivered_within_run: int
    catch_up_seconds: float
    delivered: PeerStats
    cpu_seconds: dict[str, float]
    peer_cpu_seconds: float
    peak_rss_bytes: int
    peak_rss_process: str
    half: LoadResult
    half_delivered: PeerStats
    half_cpu_seconds: float

    def ms_per_delivery(self, seconds: float) -> float:
        return seconds * 1000 / max(self.delivered.count, 1)

    @property
    def cpu_ms(self) -> float:
        """CPU milliseconds per delivered message, every measured process but the fake peer."""
        return self.ms_per_delivery(sum(self.cpu_seconds.values()))

    @property
    def half_cpu_ms(self) -> float:
        """`cpu_ms` over the half-rate run: what a message costs when few arrive together."""
        return self.half_cpu_seconds * 1000 / max(self.half_delivered.count, 1)


@dataclass(frozen=True)
class Line:
    """One row of the report, as printed."""

    name: str
    gateway: str
    floor: str
    ratio: str = ""
    target: str = ""
    verdict: str = ""


def compare(
    name: str,
    gateway: float,
    floor: float,
    show: Callable[[float], str],
    target: tuple[str, bool] | None = None,
    as_share: bool = False,
) -> Line:
    """A row for a figure both sides have: the ratio gateway / floor (as a share, or a factor)
    and, given `target` (its text, whether the gateway meets it), the verdict."""
    ratio = gateway / floor if floor else 0.0
    text, met = target or ("", None)
    return Line(
        name,
        show(gateway),
        show(floor),
        f"{ratio:.0%}" if as_share else f"{ratio:.2f}x",
        text,
        "" if met is None else ("PASS" if met else "FAIL"),
    )


def per_second(rate: float) -> str:
    return f"{rate:.0f}/s"


def ms(value: float) -> str:
    return f"{value:.2f} ms"


def accepted(result: LoadResult) -> int:
    """Requests the server answered 200."""
    return result.statuses.get(200, 0)


def outcome(result: LoadResult) -> str:
    """The statuses wrk counted, and its socket errors if any."""
    errors = f", socket errors {result.errors}" if result.errors else ""
    return f"{result.statuses}{errors}"


def peak_lines(gateway: Figures, floor: Figures, cpu_target_ms: float) -> list[Line]:
    lines = [
        compare("peak: accepted a second", gateway.peak.rate, floor.peak.rate, per_second),
        Line("peak: statuses", outcome(gateway.peak), outcome(floor.peak)),
        Line(
            "peak: delivered within the run",
            f"{gateway.delivered_within_run} of {accepted(gateway.peak)}",
            f"{floor.delivered_within_run} of {accepted(floor.peak)}",
        ),
        compare(
            "peak: caught up after",
            gateway.catch_up_seconds,
            floor.catch_up_seconds,
            lambda seconds: f"{seconds:.1f} s",
        ),
        compare(
            "sustained delivered throughput",
            gateway.delivered.rate,
            floor.delivered.rate,
            per_second,
            (
                f">= {THROUGHPUT_SHARE:.0%} of the floor",
                gateway.delivered.rate >= THROUGHPUT_SHARE * floor.delivered.rate,
            ),
            as_share=True,
        ),
    ]
    for name, seconds in gateway.cpu_seconds.items():
        lines.append(
            compare(
                f"CPU a delivery: {name}",
                gateway.ms_per_delivery(seconds),
                floor.ms_per_delivery(floor.cpu_seconds.get(name, 0.0)),
                ms,
            )
        )
    lines += [
        compare(
            "CPU a delivery: all of them",
            gateway.cpu_ms,
            floor.cpu_ms,
            ms,
            (f"<= {cpu_target_ms} ms", gateway.cpu_ms <= cpu_target_ms),
        ),
        compare(
            "CPU a delivery: fake peer (apart)",
            gateway.ms_per_delivery(gateway.peer_cpu_seconds),
            floor.ms_per_delivery(floor.peer_cpu_seconds),
            ms,
        ),
        Line(
            "peak RSS, largest process",
            f"{gateway.peak_rss_bytes / 10**6:.0f} MB ({gateway.peak_rss_process})",
            f"{floor.peak_rss_bytes / 10**6:.0f} MB ({floor.peak_rss_process})",
            f"{gateway.peak_rss_bytes / max(floor.peak_rss_bytes, 1):.2f}x",
            f"<= {PROCESS_RSS_BYTES // 10**6} MB",
            "PASS" if gateway.peak_rss_bytes <= PROCESS_RSS_BYTES else "FAIL",
        ),
    ]
    return lines


def half_rate_lines(gateway: Figures, floor: Figures) -> list[Line]:
    return [
        compare("half rate: accepted a second", gateway.half.rate, floor.half.rate, per_second),
        Line(
            "half rate: delivered",
            f"{gateway.half_delivered.count} of {accepted(gateway.half)}",
            f"{floor.half_delivered.count} of {accepted(floor.half)}",
        ),
        compare(
            "half rate: accept p99",
            gateway.half.percentile(0.99),
            floor.half.percentile(0.99),
            milliseconds,
            (
                f"<= {milliseconds(ACCEPT_P99_SECONDS)}",
                gateway.half.percentile(0.99) <= ACCEPT_P99_SECONDS,
            ),
        ),
        compare(
            "half rate: end-to-end median",
            gateway.half_delivered.median,
            floor.half_delivered.median,
            milliseconds,
            (
                f"<= {milliseconds(E2E_MEDIAN_SECONDS)}",
                gateway.half_delivered.median <= E2E_MEDIAN_SECONDS,
            ),
        ),
        compare(
            "half rate: end-to-end p99",
            gateway.half_delivered.p99,
            floor.half_delivered.p99,
            milliseconds,
        ),
        compare("half rate: CPU a delivery", gateway.half_cpu_ms, floor.half_cpu_ms, ms),
    ]


def sent_twice(figures: Figures) -> int:
    """Messages the peer received twice, over the peak and the half-rate runs."""
    return figures.delivered.sent_twice + figures.half_delivered.sent_twice


def print_report(title: str, gateway: Figures, floor: Figures, cpu_target_ms: float) -> None:
    """The report on stdout: a table of every figure, and which targets the gateway missed."""
    lines = [
        Line("", "gateway", "floor", "ratio", "target", ""),
        *peak_lines(gateway, floor, cpu_target_ms),
        *half_rate_lines(gateway, floor),
        Line(
            "sent twice (peak and half rate)",
            str(sent_twice(gateway)),
            str(sent_twice(floor)),
            target="none",
            verdict="PASS" if sent_twice(gateway) == 0 else "FAIL",
        ),
    ]
    rows = [astuple(line) for line in lines]
    widths = [max(len(cell) for cell in column) for column in zip(*rows, strict=True)]
    print(f"\n{title}\n{'-' * len(title)}")
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    failed = [line.name for line in lines if line.verdict == "FAIL"]
    print(f"\nTargets missed: {', '.join(failed)}" if failed else "\nEvery target met.")
