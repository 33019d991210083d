"""tox plugin (loaded by tox from the project folder): find every interpreter build.

For each env named like an interpreter (py39 ... py313, py313t, py314t, pypy3), point
its base_python at the executable gilcompat's discovery found: PATH, every pyenv
install, uv installs and gilcompat-provisioned builds. An env whose interpreter is not
on this machine keeps its name as base_python, so tox reports it missing and, with
skip_missing_interpreters, skips it.
"""

import re
import sys
from pathlib import Path

from tox.config.loader.memory import MemoryLoader
from tox.plugin import impl

sys.path.insert(0, str(Path(__file__).resolve().parent / "compat"))   # gilcompat, uninstalled

_ENV = re.compile(r"^(py3(\d+)(t?)|pypy3)$")
_FOUND = None


def _discovered():
    global _FOUND
    if _FOUND is None:
        from gilcompat.pythons.discovery import discover
        _FOUND = [f.interpreter for f in discover()]
    return _FOUND


def executable_for(env_name, interpreters):
    """The discovered executable an env name asks for, or None."""
    match = _ENV.match(env_name)
    if not match:
        return None
    if match.group(1) == "pypy3":
        wanted = [i for i in interpreters if i.implementation == "pypy"]
    else:
        minor, threaded = int(match.group(2)), bool(match.group(3))
        wanted = [i for i in interpreters if i.implementation == "cpython"
                  and i.version_tuple == (3, minor) and i.free_threaded == threaded
                  and not i.tsan]
    wanted.sort(key=lambda i: tuple(int(p) for p in i.version.split(".")), reverse=True)
    return wanted[0].executable if wanted else None


@impl
def tox_add_env_config(env_conf, state):
    exe = executable_for(env_conf.name, _discovered())
    if exe:
        env_conf.loaders.insert(0, MemoryLoader(base_python=[exe]))
