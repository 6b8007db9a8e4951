"""locus/_ffi.py declares what include/locus/locus.h declares: every function with its number of parameters,
and every struct's fields in order."""
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

from locus import _ffi  # noqa: E402

HEADER = os.path.join(HERE, "..", "..", "..", "include", "locus", "locus.h")


def header_code():
    with open(HEADER) as f:
        text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
    return "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))


def arity(params):
    params = params.strip()
    return 0 if params in ("", "void") else params.count(",") + 1


class HeaderSync(unittest.TestCase):
    def test_functions(self):
        found = {m.group(1): arity(m.group(2))
                 for m in re.finditer(r"LOCUS_API[^;(]*?\b(\w+)\s*\(([^)]*)\)\s*;", header_code())}
        self.assertGreater(len(found), 30)
        self.assertEqual({n: len(a) for n, (_, a) in _ffi.FUNCTIONS.items()}, found)

    def test_structs(self):
        code = header_code()
        for m in re.finditer(r"typedef struct (\w+)\s*\{(.*?)\}\s*\w+;", code, flags=re.S):
            fields = [re.match(r".*?(\w+)\s*(\[\d+\])?$", f.strip(), flags=re.S).group(1)
                      for f in m.group(2).split(";") if f.strip()]
            ours = [name for name, _ in getattr(_ffi, m.group(1))._fields_]
            self.assertEqual(ours, fields, m.group(1))

    def test_constants(self):
        for name, value in re.findall(r"\b(LOCUS_\w+)\s*=\s*(\d+)", header_code()):
            self.assertEqual(getattr(_ffi, name), int(value), name)


if __name__ == "__main__":
    unittest.main()
