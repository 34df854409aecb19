#!/usr/bin/env python3
"""Writes the bad-input corpus: one .case file per malformed input.

The cases live in cases_*.py (in the order they are numbered), the helpers in corpus.py. Positions in
`expect:` lines are computed from the input text, never by running the tool, so a test can disagree
with the tool. Every expectation names file:line:column, except the few errors that have no position
(a missing file, a misnamed node directory), which name the file alone.
Run: python3 tests/bad-inputs/generate.py   (rewrites tests/bad-inputs/*.case)
"""
import glob, os, sys

sys.dont_write_bytecode = True  # no __pycache__ beside the corpus
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus import ROOT, cases, escape  # noqa: E402
import cases_fields, cases_operators  # noqa: E402,F401  (each appends to corpus.cases when imported)

OUT = os.path.join(ROOT, "tests", "bad-inputs")
for f in glob.glob(os.path.join(OUT, "*.case")):
    os.remove(f)
seen = set()
for i, (name, title, files, expects, deletes) in enumerate(cases, 1):
    assert name not in seen, name
    seen.add(name)
    with open(os.path.join(OUT, f"{i:03d}-{name}.case"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(f"# {title}\n")
        for e in expects:
            fh.write(f"expect: {e}\n")
        for d in deletes:
            fh.write(f"delete: {d}\n")
        for path, text in files.items():
            if isinstance(text, bytes):
                fh.write(f"=== {path} (escaped)\n{escape(text)}")
            else:
                assert "\r" not in text and "\\c" not in text[-3:], name
                fh.write(f"=== {path}\n{text}")
                if not text.endswith("\n"):
                    fh.write("\n")
print(f"{len(cases)} cases")
