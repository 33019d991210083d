"""Each round makes STRS fresh non-ASCII strs (decoded from bytes, so no UTF-8 copy is
cached yet). The threads walk the list in step, making their first
PyUnicode_AsUTF8AndSize call on each str together (see the C file), and compare every
answer with the bytes the str came from. Returns: each thread's wrong answers."""

import itertools

STRS = 400          # fresh strs per round ([stress] iterations is not used)
_fresh = itertools.count()
_UNITS = ["aé€𝄞ßж中"[k:] + "aé€𝄞ßж中"[:k] for k in range(7)]    # 1- to 4-byte UTF-8


def setup(ext):
    ext.uu_reset()
    expected = []
    for i in range(STRS):
        salt = next(_fresh)     # every str distinct, 700 to 2,800 code points
        text = f"{salt}:{_UNITS[salt % 7] * (100 + (i * 7) % 300)}"
        expected.append(text.encode("utf-8"))    # encode() leaves no cache behind
    return {"strs": [b.decode("utf-8") for b in expected], "expected": expected}


def work(ext, state, thread_index, iterations):
    return ext.uu_encode_all(state["strs"], state["expected"])


def check(ext, state, returns):
    bad = sum(returns)
    if bad:
        return f"{bad} PyUnicode_AsUTF8AndSize calls gave the wrong bytes or length"
    return None
