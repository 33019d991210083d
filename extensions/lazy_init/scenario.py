"""Every thread walks the same episodes; each episode's cache must be built exactly once."""


def setup(ext):
    ext.li_reset()


def work(ext, state, thread_index, iterations):
    ext.li_walk(iterations)
    return iterations


def check(ext, state, returns):
    episodes, builds = max(returns), ext.li_builds_count()
    if builds != episodes:
        return f"{builds} builds for {episodes} episodes: {builds - episodes} built twice"
    return None
