/* method_field_rmw family scaffolding.
 *
 * Guarantee: a method of a C type that reads a field of self and writes it back runs
 * as one step, because the method runs with the GIL held and nothing in it lets go.
 * How it breaks: with the GIL off, two threads calling the method on one instance
 * interleave inside it and one thread's update overwrites the other's.
 * Fix: the step in Py_BEGIN_CRITICAL_SECTION(self) (method_field_critical).
 *
 * Here: the type (a heap type from PyType_FromSpec, made once, by setup), its method
 * bump(n) looping over the member's mf_step, and the two case functions the scenario
 * reaches through the face: mf_make (a new instance, into a list) and mf_count. The
 * threads call bump directly on the instance: a plain method call, whatever the face.
 */
#include "method_field_rmw_family.h"

static PyObject *mf_type;

static void mf_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    tp->tp_free(self);
    Py_DECREF(tp);              /* a heap type's instances own a reference to it */
}

/* obj.bump(n): n steps, all in this one call. */
static PyObject *mf_bump(PyObject *self, PyObject *arg)
{
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    for (long i = 0; i < n; i++)
        mf_step((mf_object *)self);
    Py_RETURN_NONE;
}

static PyMethodDef mf_methods[] = {
    {"bump", mf_bump, METH_O, "bump(n): add 1 to the count, n times, one step each."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot mf_slots[] = {
    {Py_tp_dealloc, (void *)mf_dealloc},
    {Py_tp_methods, mf_methods},
    {0, NULL},
};

static PyType_Spec mf_spec = {
    "gilcompat.FieldCounter", sizeof(mf_object), 0, Py_TPFLAGS_DEFAULT, mf_slots,
};

/* Setup: append a new instance (count 0) to `holder`. The type is made at the first
 * call; setup runs on one thread, before any thread calls bump. A failure shows as an
 * empty holder, which the scenario reports. gilcompat: single-threaded */
void mf_make(PyObject *holder)
{
    GC_ENTER();
    if (!mf_type)
        mf_type = PyType_FromSpec(&mf_spec);
    if (mf_type) {
        PyTypeObject *tp = (PyTypeObject *)mf_type;
        PyObject *obj = tp->tp_alloc(tp, 0);
        if (obj) {
            ((mf_object *)obj)->count = 0;
            PyList_Append(holder, obj);
            Py_DECREF(obj);
        }
    }
    PyErr_Clear();
    GC_EXIT();
}

/* The check: the instance's count (-1 for an object of another type). Called once
 * the threads are done. */
long mf_count(PyObject *obj)
{
    if (!mf_type || Py_TYPE(obj) != (PyTypeObject *)mf_type)
        return -1;
    return ((mf_object *)obj)->count;
}
