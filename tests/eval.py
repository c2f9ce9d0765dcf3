"""Measure the classifier on the labelled corpus: `python -m tests.eval` (`make eval`).

Per language and split: precision, recall and F1 of `is_marketing`, of every hook and of
every call to action, then micro and macro F1 of hooks and of CTAs. Macro-F1 averages the
labels that occur in that language's split (a label with no gold example has no recall).
The gate is on the TEST split only; the dev split is printed for reference and is the only
one the lexicons may be tuned on (`--errors dev` lists its mistakes; there is no option to
list test mistakes).

Exit status 1 when a macro-F1 on test is under its floor: hooks and CTAs each >= 0.75 in
English and >= 0.65 in Hebrew.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postwriter.analysis.classify import CTA_LABELS, HOOK_LABELS, Classification, classify

CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus" / "posts.jsonl"
FLOORS = {("en", "hooks"): 0.75, ("en", "cta"): 0.75, ("he", "hooks"): 0.65, ("he", "cta"): 0.65}
LANGUAGES = ("en", "he")
SPLITS = ("test", "dev")


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, gold: bool, predicted: bool) -> None:
        if gold and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif gold:
            self.fn += 1


@dataclass
class Report:
    marketing: Counts = field(default_factory=Counts)
    hooks: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in HOOK_LABELS})
    cta: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in CTA_LABELS})
    posts: int = 0


def load(path: Path = CORPUS) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def micro_f1(counts: Iterable[Counts]) -> float:
    total = Counts()
    for c in counts:
        total.tp += c.tp
        total.fp += c.fp
        total.fn += c.fn
    return total.f1


def macro_f1(counts: dict[str, Counts]) -> float:
    present = [c.f1 for c in counts.values() if c.support]
    return sum(present) / len(present) if present else 0.0


def evaluate(
    posts: Sequence[dict[str, Any]], predictions: dict[str, Classification]
) -> dict[tuple[str, str], Report]:
    reports = {(lang, split): Report() for lang in LANGUAGES for split in SPLITS}
    for post in posts:
        report = reports[(post["language"], post["split"])]
        pred = predictions[post["id"]]
        report.posts += 1
        report.marketing.add(post["is_marketing"], pred.marketing)
        hooks = {h.name for h in pred.hooks}
        ctas = {c.name for c in pred.cta}
        for name, counts in report.hooks.items():
            counts.add(name in post["hooks"], name in hooks)
        for name, counts in report.cta.items():
            counts.add(name in post["cta"], name in ctas)
    return reports


def _cells(c: Counts) -> str:
    if not c.support and not c.fp:
        return f"{0:>4} {'-':>6} {'-':>6} {'-':>6}"  # absent and never predicted
    return f"{c.support:>4} {c.precision:>6.2f} {c.recall:>6.2f} {c.f1:>6.2f}"


def _row(name: str, test: Counts, dev: Counts) -> str:
    return f"  {name:<14}{_cells(test)}   |{_cells(dev)}"


def print_report(reports: dict[tuple[str, str], Report], out: Any = sys.stdout) -> list[str]:
    """Print the tables; return the floors that were missed on test."""
    missed: list[str] = []
    for lang in LANGUAGES:
        test, dev = reports[(lang, "test")], reports[(lang, "dev")]
        print(f"\n== {lang}: test {test.posts} posts | dev {dev.posts} posts ==", file=out)
        header = f"  {'label':<14}{'n':>4} {'P':>6} {'R':>6} {'F1':>6}   |"
        print(header + f"{'n':>4} {'P':>6} {'R':>6} {'F1':>6}", file=out)
        print(_row("is_marketing", test.marketing, dev.marketing), file=out)
        for group in ("hooks", "cta"):
            print(f"  -- {group}", file=out)
            t_counts: dict[str, Counts] = getattr(test, group)
            d_counts: dict[str, Counts] = getattr(dev, group)
            for name in t_counts:
                print(_row(name, t_counts[name], d_counts[name]), file=out)
            t_macro, d_macro = macro_f1(t_counts), macro_f1(d_counts)
            print(
                f"  {group} micro-F1 test {micro_f1(t_counts.values()):.3f} "
                f"dev {micro_f1(d_counts.values()):.3f}; macro-F1 test {t_macro:.3f} "
                f"dev {d_macro:.3f} (floor {FLOORS[(lang, group)]:.2f} on test)",
                file=out,
            )
            if t_macro < FLOORS[(lang, group)]:
                missed.append(f"{lang} {group} macro-F1 {t_macro:.3f} < {FLOORS[(lang, group)]}")
    return missed


def print_errors(
    posts: Sequence[dict[str, Any]], predictions: dict[str, Classification], split: str
) -> None:
    for post in posts:
        if post["split"] != split:
            continue
        pred = predictions[post["id"]]
        hooks = {h.name for h in pred.hooks}
        ctas = {c.name for c in pred.cta}
        diffs = []
        if pred.marketing != post["is_marketing"]:
            diffs.append(f"marketing gold={post['is_marketing']}")
        for kind, gold, got in (
            ("hooks", set(post["hooks"]), hooks),
            ("cta", set(post["cta"]), ctas),
        ):
            if gold - got:
                diffs.append(f"{kind} missed {sorted(gold - got)}")
            if got - gold:
                diffs.append(f"{kind} extra {sorted(got - gold)}")
        if diffs:
            print(f"{post['id']}: {'; '.join(diffs)}\n    {post['text'][:160]!r}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.eval", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--errors", choices=["dev"], help="list the mistakes on the dev split")
    args = parser.parse_args(argv)
    posts = load(args.corpus)
    predictions = {p["id"]: classify(p["text"]) for p in posts}
    print("command: python -m tests.eval" + "".join(f" {a}" for a in (argv or sys.argv[1:])))
    by_lang = {lang: sum(1 for p in posts if p["language"] == lang) for lang in LANGUAGES}
    by_split = {s: sum(1 for p in posts if p["split"] == s) for s in SPLITS}
    print(f"corpus: {args.corpus.name}, {len(posts)} posts {by_lang} {by_split}")
    print("columns: test split (n = gold support, P, R, F1) | dev split (reference)")
    if args.errors:
        print_errors(posts, predictions, args.errors)
        return 0
    missed = print_report(evaluate(posts, predictions))
    if missed:
        print("\nFAILED: " + "; ".join(missed))
        return 1
    print("\nOK: every macro-F1 floor met on the test split")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
