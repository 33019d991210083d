"""Every thread tokenises its own line with strtok_r and converts its own date with
localtime_r; every token and date it gets must be its own.

With the GIL off every thread keeps going in batches until all the case's threads
have done their share, or a short deadline passes: wake-ups are staggered and a whole
share fits in one scheduler slice, so shares alone would not overlap."""

from gilcompat.scenario import churn

BATCH = 50


def setup(ext):
    ext.rl_reset()
    return {"finished": set()}


def work(ext, state, thread_index, iterations):
    def passes(n):
        ext.rl_parse(thread_index, n)
        return n
    return churn(passes, BATCH, iterations, thread_index, state["finished"], ext.threads)


def check(ext, state, returns):
    tokens, dates = ext.rl_wrong(0), ext.rl_wrong(1)
    if tokens or dates:
        return (f"in {sum(returns)} passes: {tokens} tokens wrong or missing, "
                f"{dates} dates wrong")
    return None
