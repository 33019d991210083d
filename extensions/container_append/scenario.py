"""Every thread adds its own keys to one shared list, dict and set; nothing may be lost."""


def setup(ext):
    return [], {}, set()


def work(ext, state, thread_index, iterations):
    ext.ca_add(*state, thread_index * iterations, iterations)
    return iterations


def check(ext, state, returns):
    want = sum(returns)
    items, mapping, keys = state
    problems = [f"{name} has {len(c)} items, want {want}"
                for name, c in (("list", items), ("dict", mapping), ("set", keys))
                if len(c) != want]
    if not problems and sorted(items) != list(range(want)):
        problems.append("the list's items are not the keys added")
    return "; ".join(problems) or None
