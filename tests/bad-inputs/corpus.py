"""Helpers shared by the bad-input case modules (see generate.py).

Positions in `expect:` lines are computed here from the input text (where the offending text sits),
never by running the tool, so a test can disagree with the tool.
"""
import json, os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
P, NA, NB = "provider.yaml", "nodes/node-a/node.yaml", "nodes/node-b/node.yaml"
D, S, B = "examples/demo/.hostenv/hostenv.yaml", "examples/shop/.hostenv/hostenv.yaml", "examples/blog/.hostenv/hostenv.yaml"
ST, LK, PL = "generated/state.json", "provider.lock", "generated/plan.json"
base = {f: open(os.path.join(ROOT, f)).read() for f in (P, NA, NB, D, S, B, ST, PL)}
cases = []

# A manifest, a manifest with one vhost, and one with a location under it, for cases that need only a little.
M = "organisation: acme\nproject: demo\nenvironments:\n"
V = M + "  main:\n    virtualHosts:\n      a.hosting.test:\n"
L = V + "        locations:\n          /:\n"


def pos(text, needle, nth=0, offset=0):
    """line:column (1-based, columns in characters) of the nth occurrence of needle, moved by offset characters."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "surrogateescape")
    idx = -1
    for _ in range(nth + 1):
        idx = text.index(needle, idx + 1)
    idx += offset
    line = text.count("\n", 0, idx) + 1
    col = idx - (text.rfind("\n", 0, idx) + 1) + 1
    return f"{line}:{col}"


def quoted(text):
    return '"' + text + '"'


def at(path, text, needle, nth=0, offset=0):
    return f"{path}:{pos(text, needle, nth, offset)}"


def end(path, text):
    """The position just past the last line: where a parser reports an unexpected end of file."""
    return f"{path}:{text.count(chr(10)) + 1}:1"


def case(name, title, files, expects, deletes=()):
    """files: path -> str (written as text) or bytes (written as an escaped section)."""
    cases.append((name, title, files, expects, deletes))


def one(name, title, path, text, code, needle, nth=0, offset=0, extra=()):
    case(name, title, {path: text}, [f"{code} {at(path, text, needle, nth, offset)}", *extra])


def rep(path, old, new, count=1):
    t = base[path]
    assert old in t, (path, old)
    return t.replace(old, new, count)


def state(edit):
    """generated/state.json after edit(dict), written as `plan` writes it (sorted keys, two-space indent)."""
    st = json.loads(base[ST])
    edit(st)
    return json.dumps(st, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def entries(st):
    return sorted(k for k in st if not k.startswith("_"))


def escape(data):
    """An escaped section body: UTF-8 text as is; \\, CR, tab, other control bytes and non-UTF-8 bytes escaped."""
    text = data.decode("utf-8", "surrogateescape")
    out = []
    for ch in text:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\n")
        elif 0xDC80 <= o <= 0xDCFF:
            out.append(f"\\x{o - 0xDC00:02x}")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02x}")
        else:
            out.append(ch)
    body = "".join(out)
    return body if body.endswith("\n") else body + "\\c\n"
