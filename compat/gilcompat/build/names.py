"""Names the generated C gives things, which the parent hands the child in each request.

The child never imports this (it is told the names), so the child package stays
standard-library only and free of build code.
"""

from gilcompat.corpus.faces import FACE_TABLE, OWN_GIL_SUFFIX

SPIN_SETTER = "gilcompat_set_spin"

# The exclusion probe (see face_sources.py): in the cffi module, one function takes the
# GIL the way a case's C does (GC_ENTER) and one takes nothing; in the capi modules
# the "held" method runs with the GIL the call holds, the "free" one releases it.
PROBE_CFFI = {"held": "gilcompat_probe_ensure", "free": "gilcompat_probe_bare"}
PROBE_CAPI = {"held": "gilcompat_probe_held", "free": "gilcompat_probe_free"}


def module_names(base):
    """Face name -> module name inside a case's shared object."""
    return {face.name: base + face.suffix for face in FACE_TABLE}


def own_gil_names(base):
    """Face name -> the module name of its twin that declares per-interpreter GIL
    support, for the faces whose route can declare it."""
    return {face.name: base + face.suffix + OWN_GIL_SUFFIX for face in FACE_TABLE
            if face.can_declare_own_gil}


def probe_names(face):
    return PROBE_CFFI if face == "cffi" else PROBE_CAPI
