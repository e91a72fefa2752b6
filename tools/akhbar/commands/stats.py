"""`akhbar stats`."""

from __future__ import annotations

import json
import sys

from akhbar.commands.common import EXIT_OK, add_shard_paths, expand_shards


def register(sub) -> None:
    p = sub.add_parser("stats", help="counts per layer, label and split")
    add_shard_paths(p)
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text", help="output format (default: text)")
    p.set_defaults(func=run)


def run(args) -> int:
    from akhbar.paths import project_root
    from akhbar.stats import collect, to_markdown, to_text

    stats = collect(expand_shards(args.paths, project_root()))
    # Agreement figures belong to the corpus as a whole: shown for the default corpus only (and
    # not in the Markdown tables, which have no place for them).
    agreement = [] if args.paths or args.format == "markdown" else agreement_figures(project_root())
    if args.format == "json":
        data = stats.as_json()
        data["agreement"] = agreement
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(to_markdown(stats))
    else:
        sys.stdout.write(to_text(stats))
        for item in agreement:
            figures = ", ".join(f"{k} {v:.3f}" if v is not None else f"{k} -" for k, v in item["f1"].items())
            sys.stdout.write(f"agreement {item['article']} ({item['pair']}): {figures}\n")
    return EXIT_OK


def agreement_figures(root) -> list[dict]:
    """Headline F1 of every double annotation under agreement/ (see docs/agreement.md)."""
    from akhbar.agreement import headline, results

    return [{"article": pair.article, "pair": pair.title, "f1": headline(result)} for pair, result in results(root)]
