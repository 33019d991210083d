"""Every thread walks the same episodes; each episode's cache must be built exactly
once in each module (one shared module, or one per interpreter)."""


def setup(ext):
    ext.mso_reset()


def work(ext, state, thread_index, iterations):
    ext.mso_walk(iterations)
    return iterations


def check(ext, state, returns):
    episodes, builds = max(returns), ext.mso_builds_count()
    if builds != episodes:
        return f"{builds} builds for {episodes} episodes: {builds - episodes} built twice"
    return None
