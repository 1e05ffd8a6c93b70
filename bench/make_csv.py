"""Generate an import CSV: N paper-form rows, ~1% bad ones, mixed Japanese and English.

    python bench/make_csv.py 1000000 -o bench/out/optins-1m.csv
    python bench/make_csv.py 2000 -o small.csv --encoding cp932 --people 500

Good rows: Japanese mobiles in national, international and compact forms (some US numbers
on English rows), 1-4 topics separated by spaces or semicolons, ~5% opt-outs (some of all
topics), ISO 8601 times with +09:00 or Z, form references, staff, shop (sometimes with a
quoted comma or a line break), language, and a name on about half the rows. Bad rows
(``--bad``, default 1%) cycle through invalid numbers, unknown topics and bad dates. A
``FILE.json`` beside the CSV gives the counts an import must report.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

TOPICS = ("order_updates", "offers", "newsletter", "product_recommendations")
HEADER = ("phone", "country", "topics", "action", "occurred_at", "evidence_ref", "staff",
          "location", "language", "wording_id", "name")
STAFF_JA = ("田中", "佐藤", "鈴木", "高橋", "伊藤", "渡辺")
STAFF_EN = ("Alice", "Ben", "Chloe", "Dan")
SHOPS_JA = ("渋谷店", "新宿店", "梅田店", "札幌店", "博多店\n2F カウンター", "京都店, 四条通")
SHOPS_EN = ("Shibuya store", "Shinjuku, Tokyo", "Osaka Umeda", "Event: Coffee Fest\nBooth 12")
NAMES_JA = ("山田 太郎", "佐藤 花子", "鈴木 一郎", "高橋 美咲", "伊藤 健", "中村 さくら")
NAMES_EN = ("Taro Yamada", "Hanako Sato", "Emily Clark", "John Smith, Jr.")
BAD_PHONES = ("090-12", "12345", "電話なし", "03-1234-5678", "+81 90 1234 5678 999")
BAD_DATES = ("2024-13-45T10:00:00+09:00", "2024/01/05 10:00", "2024-01-05T10:00:00",
             "yesterday", "")
BAD_KINDS = ("phone", "topic", "date")
START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN = int((datetime(2026, 11, 1, tzinfo=UTC) - START).total_seconds())


def _number(rng: random.Random, i: int, people: int) -> tuple[str, str]:
    """(phone as written, country column) for person ``i % people``."""
    person = i % people
    if person % 20 == 7:  # ~5% US numbers, on English rows
        area = ("212", "415", "646", "213", "312", "617", "206")[person % 7]
        digits = f"{(person // 7) % 8 + 2}{(person * 7919) % 90 + 10:02d}{person % 10000:04d}"
        return f"+1 {area}-{digits[:3]}-{digits[3:]}", "US"
    # 070/080/090 + a non-zero digit + 7 digits: distinct for up to 81 million people.
    prefix = ("090", "080", "070")[person % 3]
    rest = person // 3
    national = f"{prefix}{rest % 9 + 1}{rest // 9 % 10_000_000:07d}"
    style = rng.random()
    if style < 0.6:
        return f"{national[:3]}-{national[3:7]}-{national[7:]}", ""
    if style < 0.85:
        return f"+81 {national[1:3]} {national[3:7]} {national[7:]}", ""
    return national, "JP"


def _row(rng: random.Random, i: int, people: int, bad: str | None) -> list[str]:
    phone, country = _number(rng, i, people)
    english = country == "US" or rng.random() < 0.3
    chosen = rng.sample(TOPICS, rng.randint(1, 4))
    sep = rng.choice((" ", ";", "; "))
    action = "opt_out" if rng.random() < 0.05 else rng.choice(("opt_in", "opt_in", ""))
    topics = "" if action == "opt_out" and rng.random() < 0.5 else sep.join(chosen)
    when = START + timedelta(seconds=rng.randrange(SPAN))
    occurred = when.astimezone().isoformat() if rng.random() < 0.3 else \
        when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if rng.random() < 0.5 else \
        (when + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M:%S+09:00")
    if bad == "phone":
        phone, country = rng.choice(BAD_PHONES), ""
    elif bad == "topic":
        topics, action = sep.join([*chosen[:1], "coupons"]), "opt_in"
    elif bad == "date":
        occurred = rng.choice(BAD_DATES)
    staff = rng.choice(STAFF_EN if english else STAFF_JA)
    shop = rng.choice(SHOPS_EN if english else SHOPS_JA)
    name = rng.choice(NAMES_EN if english else NAMES_JA) if rng.random() < 0.5 else ""
    return [phone, country, topics, action, occurred, f"F-{i + 1:07d}", staff, shop,
            "en" if english else "ja", "", name]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--bad", type=float, default=0.01, help="share of bad rows")
    parser.add_argument("--people", type=int, default=0,
                        help="distinct numbers (default: one per row)")
    parser.add_argument("--encoding", default="utf-8", choices=("utf-8", "utf-8-sig", "cp932"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    people = args.people or args.rows
    every = round(1 / args.bad) if args.bad > 0 else 0
    counts = {"rows": args.rows, "bad": 0, "bad_phone": 0, "bad_topic": 0, "bad_date": 0}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding=args.encoding, newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(HEADER)
        for i in range(args.rows):
            bad = BAD_KINDS[(i // every) % 3] if every and i % every == every // 2 else None
            if bad:
                counts["bad"] += 1
                counts[f"bad_{bad}"] += 1
            writer.writerow(_row(rng, i, people, bad))
    counts["good"] = args.rows - counts["bad"]
    args.output.with_name(args.output.name + ".json").write_text(json.dumps(counts, indent=1))
    print(json.dumps(counts), file=sys.stderr)


if __name__ == "__main__":
    main()
