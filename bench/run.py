"""`make bench`: the newsroom's pages measured in one run, as ratios to a trivial view.

For each data set (1,000 and 100,000 articles on SQLite and, when a server answers on
127.0.0.1:5432, on PostgreSQL), seeded with the project's own demo generator and given
what a real archive has beside its articles (bench/data.py: three weeks of share
counts, experts quoted once and hundreds of times, sections of very different sizes):

1. in one Django process, page cache off: median and 95th percentile time, CPU time
   and SQL queries of the article, home, section, tag, expert and search pages
   (bench/inprocess.py);
2. under gunicorn (2 workers, gunicorn.conf.py) with wrk at fixed concurrency, first
   with the page cache off, then on (local memory on SQLite, Redis on PostgreSQL, as in
   production): requests per second, p50 and p99 latency, errors, and the CPU time the
   workers spent per request (read from /proc), with resident memory per worker. Each
   round runs every page once, the trivial view first; a page's ratio to the trivial
   view is taken within each round, and the median over rounds is reported.

The trivial view (/bench/trivial: a bare view with no decorator, behind the same
middleware stack, newsroom.views.trivial) is measured in every round beside the pages,
one request at a time in-process as the pages are, and every figure is also given as a
ratio to it: the machine is
shared, absolute times drift, ratios taken in one run hold. The budgets of the issue
are checked at the end. Results are also written to var/bench/.

    python bench/run.py                 # everything (about 11 minutes once seeded)
    python bench/run.py --quick         # 1,000 articles on SQLite only, short runs
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from inprocess import TRIVIAL  # bench/ is this script's directory

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WORK = ROOT / "var" / "bench"
PAGES = ["trivial", "article", "home", "section", "tag", "expert", "search"]
# The lists of articles, each at most 10× the trivial view's CPU, uncached.
LISTINGS = ["home", "section", "tag", "expert"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/9"
SEARCH_WORD = "الكهرباء"
WORKERS = 2  # gunicorn's, as the budgets say


@dataclass
class Dataset:
    label: str
    articles: int
    database_url: str
    cache_url: str
    inprocess: dict = field(default_factory=dict)
    servers: dict = field(default_factory=dict)
    pages: dict = field(default_factory=dict)


def base_env(dataset: Dataset, **extra) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(WORK)),
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DJANGO_SECRET_KEY": "benchmark-only-secret-key-" + "b" * 30,
        "DJANGO_DEBUG": "0",
        "NEWSROOM_HTTPS": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_STATIC_ROOT": str(WORK / "static"),
        "NEWSROOM_VAR_DIR": str(WORK / "var"),
        "DATABASE_URL": dataset.database_url,
        "REDIS_URL": dataset.cache_url,
        "DJANGO_DB_CONN_MAX_AGE": "600",
        # One address sends every request: the per-address limits would refuse it.
        "NEWSROOM_SEARCH_PER_MINUTE": str(10**9),
        "NEWSROOM_BENCH_TRIVIAL": "1",
        **extra,
    }


def manage(dataset: Dataset, *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=base_env(dataset),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


# Data sets --------------------------------------------------------------------------------


def postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def create_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not exists.fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def article_count(dataset: Dataset) -> int:
    output = manage(
        dataset,
        "shell",
        "-c",
        "from articles.models import Article; print(Article.objects.count())",
    )
    return int(output.strip().splitlines()[-1])


def prepare(dataset: Dataset) -> None:
    """Migrate and seed, unless an earlier run left exactly this data set."""
    if dataset.database_url.startswith("postgres"):
        create_postgres_database(dataset.database_url.rsplit("/", 1)[1])
    manage(dataset, "migrate", "--no-input")
    have = article_count(dataset)
    if have != dataset.articles:
        if have:
            manage(dataset, "flush", "--no-input")
            manage(dataset, "migrate", "--no-input")
        started = time.perf_counter()
        manage(dataset, "seed_newsroom", "--demo", "0")
        report = article_count(dataset)
        manage(dataset, "seed_newsroom", "--demo", str(dataset.articles - report))
        print(
            f"  seeded {dataset.articles:,} articles in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    # What a real archive has beside its articles (bench/data.py; once per data set).
    result = subprocess.run(
        [PYTHON, "bench/data.py"], cwd=ROOT, env=base_env(dataset), capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(f"bench/data.py failed:\n{result.stderr}")
    print(f"  {result.stdout.strip()}", flush=True)
    if dataset.database_url.startswith("postgres") and "already" not in result.stdout:
        manage(dataset, "dbshell", "--", "-c", "VACUUM ANALYZE")


# Measuring ---------------------------------------------------------------------------------


def measure_inprocess(dataset: Dataset, rounds: int) -> None:
    result = subprocess.run(
        [PYTHON, "bench/inprocess.py", "--rounds", str(rounds), "--search", SEARCH_WORD],
        cwd=ROOT,
        env=base_env(dataset, NEWSROOM_PAGE_CACHE="0"),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(f"in-process measurement failed:\n{result.stderr}")
    data = json.loads(result.stdout)
    dataset.inprocess = data["results"]
    dataset.pages = data["pages"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime and stime, in clock ticks
    return total / CLOCK_TICKS


def settle(pids: list[int], *, quiet: float = 0.3, longest: float = 10.0) -> None:
    """Wait until the workers have used no CPU for ``quiet`` seconds: the requests a
    load run left queued are served, and count against nobody."""
    deadline = time.monotonic() + longest
    last = cpu_seconds(pids)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = cpu_seconds(pids)
        if now == last:
            return
        last = now


def postgres_cpu() -> dict[int, float]:
    """Return the CPU seconds used so far by each PostgreSQL server process."""
    used = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return used


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two readings; a process started between them counts whole."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def resident_mb(pid: int) -> float:
    pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return pages * PAGE_SIZE / 2**20


class Server:
    """gunicorn with the project's configuration file, on a free local port."""

    def __init__(self, dataset: Dataset, *, cached: bool):
        self.port = free_port()
        env = base_env(
            dataset,
            NEWSROOM_PAGE_CACHE="1" if cached else "0",
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            GUNICORN_WORKERS=str(WORKERS),
            GUNICORN_MAX_REQUESTS="0",
            GUNICORN_LOG_LEVEL="warning",
        )
        self.log = open(WORK / f"gunicorn-{dataset.label}-{int(cached)}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(Path(PYTHON).parent / "gunicorn"), "newsroom.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url(TRIVIAL), timeout=2).read()  # noqa: S310 (http only)
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise SystemExit(f"gunicorn did not start; see {self.log.name}") from None
                time.sleep(0.3)
        # The first worker answers before the second has started: wait for both, or
        # the CPU read from /proc would be one worker's only.
        while len(children(self.process.pid)) < WORKERS:
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn started fewer than {WORKERS} workers")
            time.sleep(0.1)
        self.workers = children(self.process.pid)

    def url(self, path: str) -> str:
        path, _, query = path.partition("?")
        if query:
            name, _, value = query.partition("=")
            path += f"?{name}={quote(value)}"
        return f"http://127.0.0.1:{self.port}{quote(path, safe='/?=&%')}"

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


_LATENCY = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, *, seconds: float, connections: int) -> dict:
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "10s",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    latency = {int(p): float(v) * _UNITS[u] for p, v, u in _LATENCY.findall(output)}
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(value) for value in match.groups())
    return {
        "requests": requests,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": latency.get(50, 0.0),
        "p99_ms": latency.get(99, 0.0),
        "errors": errors,
    }


def measure_server(dataset: Dataset, *, cached: bool, rounds: int, seconds: float, conns: int):
    server = Server(dataset, cached=cached)
    try:
        for path in dataset.pages.values():  # warm: templates, connections, the cache
            for _ in range(3):
                urllib.request.urlopen(server.url(path), timeout=30).read()  # noqa: S310
        runs: dict[str, list[dict]] = {name: [] for name in dataset.pages}
        database = dataset.database_url.startswith("postgres")
        for _ in range(rounds):
            for name, path in dataset.pages.items():
                # The previous page's last requests, still queued when wrk stopped, are
                # served before this page's window opens, not inside it.
                settle(server.workers)
                before = cpu_seconds(server.workers)
                server_before = postgres_cpu() if database else {}
                run = wrk(server.url(path), seconds=seconds, connections=conns)
                settle(server.workers)
                run["cpu_ms"] = (cpu_seconds(server.workers) - before) * 1000 / run["requests"]
                if database:
                    used = cpu_delta(server_before, postgres_cpu())
                    run["db_cpu_ms"] = used * 1000 / run["requests"]
                runs[name].append(run)
        memory = max(resident_mb(pid) for pid in server.workers)
    finally:
        server.stop()
    summary = {}
    for name, items in runs.items():
        summary[name] = {
            "rps": statistics.median(item["rps"] for item in items),
            "p50_ms": statistics.median(item["p50_ms"] for item in items),
            "p99_ms": statistics.median(item["p99_ms"] for item in items),
            "cpu_ms": sum(i["cpu_ms"] * i["requests"] for i in items)
            / sum(i["requests"] for i in items),
            "db_cpu_ms": sum(i.get("db_cpu_ms", 0.0) * i["requests"] for i in items)
            / sum(i["requests"] for i in items),
            "errors": sum(item["errors"] for item in items),
            "requests": sum(item["requests"] for item in items),
            "rounds": items,
            # Each round's figure against the trivial view's in the same round, then the
            # median over rounds: a slow moment of the shared host skews one round, which
            # the median sets aside, where a pooled figure would carry it.
            "ratios": {
                key: paired_ratio(items, runs["trivial"], key)
                for key in ("cpu_ms", "rps", "p99_ms")
            },
        }
    dataset.servers["cached" if cached else "uncached"] = {"pages": summary, "memory_mb": memory}


def round_ratios(runs: list[dict], trivial_runs: list[dict], key: str) -> list[float]:
    """Return, round by round, a page's figure divided by the trivial view's."""
    return [
        run[key] / trivial[key]
        for run, trivial in zip(runs, trivial_runs, strict=True)
        if trivial[key]
    ]


def paired_ratio(runs: list[dict], trivial_runs: list[dict], key: str) -> float:
    """Return the median over rounds of a page's figure divided by the trivial view's."""
    pairs = round_ratios(runs, trivial_runs, key)
    return statistics.median(pairs) if pairs else 0.0


# Reporting ---------------------------------------------------------------------------------


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}×" if base else "–"


def db_cpu(data: Dataset, figures: dict) -> str:
    """The database server's CPU per request (PostgreSQL; SQLite runs in the workers)."""
    return f"{figures['db_cpu_ms']:.2f}" if data.database_url.startswith("postgres") else "–"


def table(datasets: list[Dataset]) -> str:
    lines = [
        "| data set | page | queries | median ms | p95 ms | ×trivial | uncached: CPU/req ms "
        "| ×trivial | PostgreSQL CPU/req ms | rps | cached: rps | % of trivial | p99 ms "
        "| ×trivial | CPU/req ms | ×trivial | errors |",
        "|" + "---|" * 17,
    ]
    for data in datasets:
        trivial = data.inprocess["trivial"]
        uncached = data.servers["uncached"]["pages"]
        cached = data.servers["cached"]["pages"]
        for name in PAGES:
            mine, slow, fast = data.inprocess[name], uncached[name], cached[name]
            lines.append(
                f"| {data.label} | {name} | {mine['queries']} | {mine['median_ms']:.2f} "
                f"| {mine['p95_ms']:.2f} | {ratio(mine['median_ms'], trivial['median_ms'])} "
                f"| {slow['cpu_ms']:.2f} | {slow['ratios']['cpu_ms']:.2f}× "
                f"| {db_cpu(data, slow)} | {slow['rps']:.0f} | {fast['rps']:.0f} "
                f"| {100 * fast['ratios']['rps']:.0f}% "
                f"| {fast['p99_ms']:.2f} | {fast['ratios']['p99_ms']:.2f}× "
                f"| {fast['cpu_ms']:.2f} | {fast['ratios']['cpu_ms']:.2f}× "
                f"| {slow['errors'] + fast['errors']} |"
            )
    lines.append("")
    lines.append("| data set | memory per worker, uncached | memory per worker, cached |")
    lines.append("|---|---|---|")
    for data in datasets:
        lines.append(
            f"| {data.label} | {data.servers['uncached']['memory_mb']:.0f} MB "
            f"| {data.servers['cached']['memory_mb']:.0f} MB |"
        )
    return "\n".join(lines)


def budgets(datasets: list[Dataset]) -> list[tuple[bool, str]]:
    checks = []
    for data in datasets:
        uncached = data.servers["uncached"]["pages"]
        cached = data.servers["cached"]["pages"]
        article_cpu = uncached["article"]["ratios"]["cpu_ms"]
        rounds = round_ratios(
            uncached["article"]["rounds"], uncached["trivial"]["rounds"], "cpu_ms"
        ) or [0.0]
        spread = f"rounds {min(rounds):.2f}–{max(rounds):.2f}×"
        checks.append(
            (
                article_cpu <= 8,
                f"{data.label}: uncached article CPU {article_cpu:.2f}× ({spread}) ≤ 8×",
            )
        )
        queries = data.inprocess["article"]["queries"]
        checks.append((queries <= 10, f"{data.label}: article page {queries} queries ≤ 10"))
        share = cached["article"]["ratios"]["rps"]
        checks.append((share >= 0.7, f"{data.label}: cached article rps {share:.0%} ≥ 70%"))
        cpu = cached["article"]["ratios"]["cpu_ms"]
        checks.append((cpu <= 1.5, f"{data.label}: cached article CPU {cpu:.2f}× ≤ 1.5×"))
        p99 = cached["article"]["ratios"]["p99_ms"]
        checks.append((p99 <= 2, f"{data.label}: cached article p99 {p99:.2f}× ≤ 2×"))
        errors = sum(s["pages"][n]["errors"] for s in data.servers.values() for n in PAGES)
        checks.append((errors == 0, f"{data.label}: {errors} errors under load"))
        for name in LISTINGS:
            listing = uncached[name]["ratios"]["cpu_ms"]
            checks.append(
                (listing <= 10, f"{data.label}: uncached {name} CPU {listing:.2f}× ≤ 10×")
            )
    by_label = {data.label: data for data in datasets}
    for engine in ("SQLite", "PostgreSQL"):
        small, large = by_label.get(f"{engine} 1k"), by_label.get(f"{engine} 100k")
        if not (small and large):
            continue
        for name in PAGES[1:]:
            # Each median as a ratio to its own run's trivial view, then compared.
            growth = (
                large.inprocess[name]["median_ms"] / large.inprocess["trivial"]["median_ms"]
            ) / (small.inprocess[name]["median_ms"] / small.inprocess["trivial"]["median_ms"])
            checks.append(
                (
                    growth <= 1.2,
                    f"{engine} {name}: median at 100k is {growth:.2f}× its median at 1k ≤ 1.2×",
                )
            )
    large = by_label.get("PostgreSQL 100k")
    if large:
        p95 = large.inprocess["search"]["p95_ms"]
        checks.append((p95 <= 100, f"search at 100k on PostgreSQL: p95 {p95:.1f} ms ≤ 100 ms"))
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1k on SQLite, short runs")
    parser.add_argument("--only", help="comma-separated data set labels, e.g. 'SQLite 1k'")
    parser.add_argument("--rounds", type=int, default=5, help="load rounds per page")
    parser.add_argument(
        "--seconds", type=int, default=2, help="seconds per load run (wrk takes whole seconds)"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--inprocess-only", action="store_true", help="skip gunicorn (a quick look at CPU)"
    )
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: run bin/ensure-system-deps (Debian package wrk).")
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "var").mkdir(exist_ok=True)

    datasets = [
        Dataset("SQLite 1k", 1_000, f"sqlite:///{WORK / 'sqlite-1k.sqlite3'}", "locmem://"),
        Dataset("SQLite 100k", 100_000, f"sqlite:///{WORK / 'sqlite-100k.sqlite3'}", "locmem://"),
    ]
    if postgres_answers():
        cache = REDIS if redis_answers() else "locmem://"
        datasets += [
            Dataset("PostgreSQL 1k", 1_000, f"{POSTGRES}/newsroom_bench_1k", cache),
            Dataset("PostgreSQL 100k", 100_000, f"{POSTGRES}/newsroom_bench_100k", cache),
        ]
    else:
        print("PostgreSQL does not answer on 127.0.0.1:5432: its data sets are left out.")
    if options.quick:
        datasets = datasets[:1]
        options.rounds, options.seconds = 1, 2
    if options.only:
        wanted = {label.strip() for label in options.only.split(",")}
        datasets = [data for data in datasets if data.label in wanted]

    load_before = os.getloadavg()
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=base_env(datasets[0]),
        check=True,
    )
    for data in datasets:
        print(f"{data.label}: preparing", flush=True)
        prepare(data)
        print(f"{data.label}: in-process", flush=True)
        measure_inprocess(data, rounds=12 if options.quick else 40)
        if options.inprocess_only:
            print(json.dumps(data.inprocess, indent=1), flush=True)
            continue
        for cached in (False, True):
            print(f"{data.label}: gunicorn, page cache {'on' if cached else 'off'}", flush=True)
            measure_server(
                data,
                cached=cached,
                rounds=options.rounds,
                seconds=options.seconds,
                conns=options.connections,
            )
    load_after = os.getloadavg()
    if options.inprocess_only:
        return

    report = [
        f"# make bench, {time.strftime('%Y-%m-%d %H:%M %Z')}",
        "",
        f"Machine: {os.cpu_count()} cores; load average before {load_before[0]:.2f} "
        f"{load_before[1]:.2f} {load_before[2]:.2f}, after {load_after[0]:.2f} "
        f"{load_after[1]:.2f} {load_after[2]:.2f}; {time.perf_counter() - started:.0f} s. "
        f"gunicorn {WORKERS} sync workers, wrk 2 threads × {options.connections} connections, "
        f"{options.rounds} × {options.seconds:g} s per page, pages interleaved. "
        f"In-process figures: page cache off, median of 40 interleaved rounds, one "
        f"request at a time. 'trivial' is {TRIVIAL}, a bare view behind the same "
        f"middleware. Under gunicorn the workers settle (no CPU for 0.3 s) before and after "
        f"each page's run, so queued requests count for the page that sent them; each "
        f"×trivial and % figure is the median over rounds of that round's page against that "
        f"round's trivial view; the ms and rps columns pool or take the median of the rounds.",
        "",
        table(datasets),
        "",
        "Budgets:",
    ]
    checks = budgets(datasets)
    report += [f"- {'PASS' if ok else 'FAIL'} {text}" for ok, text in checks]
    text = "\n".join(report)
    print()
    print(text)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (WORK / f"results-{stamp}.md").write_text(text + "\n")
    (WORK / f"results-{stamp}.json").write_text(
        json.dumps(
            [{"label": d.label, "inprocess": d.inprocess, "servers": d.servers} for d in datasets],
            ensure_ascii=False,
            indent=1,
        )
    )
    sys.exit(0 if all(ok for ok, _ in checks) else 1)


if __name__ == "__main__":
    main()
