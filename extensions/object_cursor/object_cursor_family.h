/* object_cursor family: what the members share. A cursor kept in C objects (structs
 * in a static array, keyed by the id the scenario passes, each with an owning Python
 * object), taken from by every thread; each member defines how one step of the cursor
 * is taken: the hazard (object_cursor.c) or its fix (object_cursor_critical). */
#include "gilcompat.h"

#define OC_OBJECTS 4
#define OC_CAPACITY (1 << 18)
#define OC_GUARD 64             /* more than the threads that can pass the check at once */
#define OC_PAST_END (-2)
#define OC_DONE (-1)

typedef struct {
    PyObject *owner;            /* the Python object this C state belongs to */
    long pos;                   /* the cursor */
    long n;
    long items[OC_CAPACITY + OC_GUARD];
    int taken[OC_CAPACITY];     /* how often each item was handed out (atomic) */
    long past_end;              /* reads out of bounds (atomic) */
} oc_object;

/* The method under test: the item under the cursor, then advance; OC_DONE at the end
 * (a read past the end gives OC_PAST_END, so it is seen, not a crash). */
long oc_next(oc_object *o);
