"""Reads the wrk outputs, raw-ceiling rates and RSS samples of a bench/run.sh run and prints
the table: every ratio is the median of the per-round ratios (each round measures both sides
of a ratio back to back), every absolute figure the median over the rounds."""

import glob
import os
import re
import statistics
import sys

work, command, load_before = sys.argv[1], sys.argv[2], sys.argv[3]
backends = os.environ.get("BACKENDS_RUN", "sqlite").split()
mib = 1024 * 1024


def seconds(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def wrk(path):
    text = open(path).read()
    total, duration = re.search(r"(\d+) requests in ([\d.]+\w+),", text).groups()
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    timeouts = re.search(r"timeout (\d+)", text)
    out = {
        "ok_rate": (int(total) - (int(non2xx.group(1)) if non2xx else 0)) / seconds(duration),
        "refused": int(non2xx.group(1)) if non2xx else 0,
        "timeouts": int(timeouts.group(1)) if timeouts else 0,
    }
    for pct in ("50", "99"):
        hit = re.search(rf"^\s+{pct}%\s+([\d.]+\w+)", text, re.M)
        if hit:
            out["p" + pct] = seconds(hit.group(1))
    return out


rounds = sorted(glob.glob(os.path.join(work, "r*")))


def per_round(fn):
    values = []
    for r in rounds:
        try:
            values.append(fn(r))
        except (FileNotFoundError, AttributeError, KeyError, ZeroDivisionError):
            pass
    return values


def med(values):
    return statistics.median(values) if values else float("nan")


def raw(r):
    return float(open(os.path.join(r, "raw.txt")).read())


def w(r, backend, metric):
    return wrk(os.path.join(r, f"{backend}.{metric}.wrk"))


def rss(r, backend):
    idle, peak, budget = map(int, open(os.path.join(r, f"{backend}.rss")).read().split())
    return idle * 1024, peak * 1024, budget * 1024


rows = []  # (label, {backend: text}, target)


def row(label, target, fn):
    rows.append((label, {b: fn(b) for b in backends}, target))


def ratio(fn, fmt="{:.3f}"):
    return lambda b: fmt.format(med(per_round(lambda r: fn(r, b))))


row("authed GET `#[login_required]` + `CurrentUser` / bare handler", "≥ 0.95",
    ratio(lambda r, b: w(r, b, "authed")["ok_rate"] / w(r, b, "bare")["ok_rate"]))
row("authed GET `CurrentUser` / bare handler", "≥ 0.95",
    ratio(lambda r, b: w(r, b, "current")["ok_rate"] / w(r, b, "bare")["ok_rate"]))
row("login throughput (wrk -c16) / raw argon2id ceiling", "≥ 0.90",
    ratio(lambda r, b: w(r, b, "login")["ok_rate"] / raw(r)))
row("login p50, 1,000,000 accounts / 1,000", "≤ 1.10",
    ratio(lambda r, b: w(r, b, "lat-big")["p50"] / w(r, b, "lat-small")["p50"]))
row("login p99, 1,000,000 accounts / 1,000", "≤ 1.10",
    ratio(lambda r, b: w(r, b, "lat-big")["p99"] / w(r, b, "lat-small")["p99"]))
row("overload (wrk -c256) logins/s / raw ceiling", "≥ 0.95",
    ratio(lambda r, b: w(r, b, "overload")["ok_rate"] / raw(r)))
row("overload peak RSS − (idle + permits × m + 32 MiB)", "≤ 0 MiB",
    ratio(lambda r, b: (rss(r, b)[1] - rss(r, b)[0] - rss(r, b)[2]) / mib, "{:+.1f} MiB"))

figures = []


def figure(label, fn):
    figures.append((label, {b: fn(b) for b in backends}))


figure("bare handler, req/s", lambda b: "{:.0f}".format(med(per_round(lambda r: w(r, b, "bare")["ok_rate"]))))
figure("`#[login_required]` + `CurrentUser`, req/s", lambda b: "{:.0f}".format(med(per_round(lambda r: w(r, b, "authed")["ok_rate"]))))
figure("`CurrentUser`, req/s", lambda b: "{:.0f}".format(med(per_round(lambda r: w(r, b, "current")["ok_rate"]))))
figure("raw argon2id ceiling (1 thread/core, no HTTP), verifies/s",
       lambda b: "{:.1f}".format(med(per_round(raw))))
figure("logins/s (wrk -c16)", lambda b: "{:.1f}".format(med(per_round(lambda r: w(r, b, "login")["ok_rate"]))))
figure("login p50 / p99, 1,000 accounts (wrk -c2), ms", lambda b: "{:.1f} / {:.1f}".format(
    med(per_round(lambda r: w(r, b, "lat-small")["p50"] * 1e3)),
    med(per_round(lambda r: w(r, b, "lat-small")["p99"] * 1e3))))
figure("login p50 / p99, 1,000,000 accounts (wrk -c2), ms", lambda b: "{:.1f} / {:.1f}".format(
    med(per_round(lambda r: w(r, b, "lat-big")["p50"] * 1e3)),
    med(per_round(lambda r: w(r, b, "lat-big")["p99"] * 1e3))))
figure("overload: logins/s, 503s/s, p50 of all answers (503s included)", lambda b: "{:.1f}, {:.1f}, {:.2f} s".format(
    med(per_round(lambda r: w(r, b, "overload")["ok_rate"])),
    med(per_round(lambda r: w(r, b, "overload")["refused"] / float(os.environ["SECS"]))),
    med(per_round(lambda r: w(r, b, "overload")["p50"]))))
figure("overload: RSS idle → peak (budget), MiB", lambda b: "{:.0f} → {:.0f} ({:.0f})".format(
    med(per_round(lambda r: rss(r, b)[0] / mib)),
    med(per_round(lambda r: rss(r, b)[1] / mib)),
    med(per_round(lambda r: (rss(r, b)[0] + rss(r, b)[2]) / mib))))

cpu = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
load_after = open("/proc/loadavg").read().split()[0]
print()
print(f"machine: {os.cpu_count()} cores ({cpu}); date: {os.environ['BENCH_DATE']}; "
      f"load average (1 min) {load_before} before, {load_after} after")
print(f"command: {command}; {len(rounds)} interleaved rounds of {os.environ['SECS']} s per measurement")
print()
head = " | ".join(backends)
print(f"| ratio (median of rounds) | {head} | target |")
print("|---|" + "---|" * len(backends) + "---|")
for label, cells, target in rows:
    print(f"| {label} | " + " | ".join(cells[b] for b in backends) + f" | {target} |")
print()
print(f"| figure (median of rounds) | {head} |")
print("|---|" + "---|" * len(backends))
for label, cells in figures:
    print(f"| {label} | " + " | ".join(cells[b] for b in backends) + " |")
