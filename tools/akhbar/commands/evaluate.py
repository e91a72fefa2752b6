"""`akhbar evaluate PRED… [--split test]`: a system's predictions (Akhbar records or rows of
the dataset's ner, quotes and events configs) scored against the gold of one split with the
official scorer (docs/evaluation.md)."""

from __future__ import annotations

from akhbar.commands.agree import add_report_arguments, write_report
from akhbar.commands.common import EXIT_OK


def register(sub) -> None:
    p = sub.add_parser(
        "evaluate",
        help="score predictions against the gold of a split (records or ner/quotes/events rows)",
        description="Score a system's predictions against the gold annotation of one split, layer by layer, "
        "with the metrics of `akhbar agree`. PRED is a JSONL file of Akhbar records or of rows in the "
        "shape of the dataset's ner, quotes or events configs (several files and shapes may be mixed). "
        "Articles of the split without a prediction count as empty predictions.",
    )
    p.add_argument("pred", metavar="PRED", nargs="+", help="JSONL predictions file(s)")
    p.add_argument("--split", default="test", help="the gold split to score against (default: test)")
    p.add_argument("--corpus", default=None, help="gold shard or folder (default: the project's corpus/articles)")
    add_report_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from akhbar.evaluate import evaluate
    from akhbar.paths import corpus_dir

    corpus = args.corpus or str(corpus_dir() / "articles")
    result = evaluate(args.pred, corpus, args.split)
    lines = result["predictions"]["lines"]
    head = (f"split {result['split']}: {result['articles']['scored']} articles scored, "
            f"{result['predictions']['articles_missing']} without a prediction (scored as empty); "
            f"lines read: {', '.join(f'{n} {s}' for s, n in lines.items() if n)}; "
            f"entities scored on the {'token view (ner rows)' if result['entity_view'] == 'tokens' else 'exact mentions'}\n\n")
    write_report(result, args, head)  # JSON leaves the head line out: its figures are in the document
    return EXIT_OK
