"""Names shared by the parent (which builds) and the child (which loads).

Kept free of imports: the child imports it at start-up, where every millisecond is
paid once per cell.
"""

SPIN_SETTER = "gilcompat_set_spin"


def module_names(base):
    """Face name -> module name inside a case's shared object."""
    return {"cffi": base, "capi": base + "_capi", "capi-optin": base + "_capi_optin"}
