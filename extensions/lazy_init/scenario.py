"""Every thread walks the same episodes; each episode's value must be built (and put in
the cache) exactly once, and no get may return an older episode's value than the one
it asked for."""


def setup(ext):
    ext.li_reset()


def work(ext, state, thread_index, iterations):
    return [iterations, ext.li_walk(iterations)]


def check(ext, state, returns):
    episodes, stale = max(r[0] for r in returns), sum(r[1] for r in returns)
    builds = ext.li_builds_count()
    problems = []
    if builds > episodes:
        problems.append(f"{builds} builds for {episodes} episodes: "
                        f"{builds - episodes} built twice")
    elif builds < episodes:
        problems.append(f"{builds} builds for {episodes} episodes: "
                        f"{episodes - builds} never built")
    if stale:
        problems.append(f"{stale} gets returned an older episode's value, or none")
    return "; ".join(problems) or None
