"""Every thread walks the same episodes (lazy_init's load); each episode's cache must be
published exactly once, and every thread must get each episode's own value. Builds that
lost the compare-and-swap are discarded and only reported."""


def setup(ext):
    ext.oi_reset()


def work(ext, state, thread_index, iterations):
    return iterations, ext.oi_walk(iterations)


def check(ext, state, returns):
    episodes = max(r[0] for r in returns)
    wrong = sum(r[1] for r in returns)
    published, discarded = ext.oi_builds(0), ext.oi_builds(1)
    if published != episodes or wrong:
        return (f"{published} builds published for {episodes} episodes "
                f"({discarded} discarded); {wrong} gets returned another value")
    return None
