/* akhbar._speedups: checks._scan_clean and checks._structure_clean in C.

   The fast path of `akhbar validate` asks of every schema-valid, canonical record whether
   it is certainly clean for the key-order, span, mention-nesting, block and structure
   checks. In Python those two passes over some 350 spans and 150 annotations cost more
   than parsing the JSON; here they are loops over machine integers, code points and sets.

   The Python functions stay the reference, and this file holds no table of its own: init()
   receives the key orders, character sets, letter predicate, clitic regexes and label
   inventories from akhbar.checks. scan_clean() and structure_clean() must return exactly
   what the Python functions return, with one deliberate difference: an offset that is not
   an exact int >= 0 makes scan_clean raise TypeError, on which check_record_fast runs the
   full checks (checks._scan_clean answers "not clean" for some of those instead; both
   lead to the same diagnostics). tests/test_speedups.py compares them. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* ---- tables set by init() ---------------------------------------------------------- */

enum Role {
    R_RECORD, R_SOURCE, R_LICENSE, R_ANNOTATION, R_BLOCK, R_ENTITY, R_MENTION, R_QUOTE,
    R_FRAGMENT, R_CUE, R_SPEAKER_SPAN, R_EVENT, R_TRIGGER, R_ARGUMENT, R_MAGNITUDE, N_ROLES
};
static const char *ROLE_NAMES[N_ROLES] = {
    "record", "source", "license", "annotation", "block", "entity", "mention", "quote",
    "fragment", "cue", "speaker_span", "event", "trigger", "argument", "magnitude",
};

/* Objects with more keys than this are not expected by any schema version; init refuses. */
#define MAX_KEYS 64

static PyObject *key_orders[N_ROLES]; /* tuples of str, from checks._key_orders() */
/* orjson hands out the same key objects record after record: the last key object found
   equal to each expected key (a strong reference) makes the next comparison a pointer test. */
static PyObject *seen_keys[N_ROLES][MAX_KEYS];

/* Where a field sits in its object's key order: once the keys are known to be in canonical
   order, the values are read by position in the same pass, without hashing. */
static Py_ssize_t rec_text, rec_blocks, rec_source, rec_license, rec_entities, rec_quotes,
    rec_events, rec_annotation;
static Py_ssize_t pos_start[N_ROLES], pos_end[N_ROLES], pos_text[N_ROLES];
static Py_ssize_t ent_mentions, quote_content, quote_cue, quote_speaker_span, event_trigger,
    event_arguments, event_magnitude;

/* For structure_clean: labels.cue_lemmas() as a frozenset, labels.plover_modes_by_category()
   and labels.plover_recipient_required() as a frozenset. */
static PyObject *cue_lemmas, *modes_by_category, *recipient_required;

/* Bitmaps over the Basic Multilingual Plane. */
#define BMP 0x10000
#define BIT(map, c) ((map)[(c) >> 3] & (1u << ((c) & 7)))
#define SET(map, c) ((map)[(c) >> 3] |= (uint8_t)(1u << ((c) & 7)))
static uint8_t not_letter_map[BMP / 8]; /* checks._NOT_LETTERS */
static uint8_t invisible_map[BMP / 8];  /* checks.INVISIBLE */
/* checks._is_letter, asked once per code point and remembered. */
static uint8_t letter_known[BMP / 8], letter_value[BMP / 8];

static PyObject *is_letter_fn;                  /* checks._is_letter */
static PyObject *proclitics_match, *enclitics_match; /* PROCLITICS.match, ENCLITICS.match */
/* The regexes' verdicts by string: the same few clitics recur in every article. */
static PyObject *proclitics_memo, *enclitics_memo;
#define MEMO_MAX 4096

static int initialised;

/* ---- text access -------------------------------------------------------------------- */

typedef struct {
    PyObject *obj; /* strong reference */
    int kind;
    const void *data;
    Py_ssize_t n;
} Text;

#define CH(t, i) PyUnicode_READ((t)->kind, (t)->data, (i))

static int
ready(PyObject *s)
{
#if PY_VERSION_HEX < 0x030C0000
    return PyUnicode_READY(s);
#else
    (void)s;
    return 0;
#endif
}

/* 1, 0, or -1 with an exception set: checks._is_letter(chr(c)). */
static int
is_letter(Py_UCS4 c)
{
    if (c < BMP && BIT(letter_known, c))
        return BIT(letter_value, c) != 0;
    PyObject *ch = PyUnicode_FromOrdinal((int)c);
    if (ch == NULL)
        return -1;
    PyObject *result = PyObject_CallOneArg(is_letter_fn, ch);
    Py_DECREF(ch);
    if (result == NULL)
        return -1;
    int value = PyObject_IsTrue(result);
    Py_DECREF(result);
    if (value > 0 && c < BMP)
        SET(letter_value, c);
    if (value >= 0 && c < BMP)
        SET(letter_known, c);
    return value;
}

/* 1 if match(text[a:b]) is not None, 0 if it is None, -1 on error. */
static int
clitic_matches(PyObject *match, PyObject *memo, const Text *t, Py_ssize_t a, Py_ssize_t b)
{
    PyObject *piece = PyUnicode_Substring(t->obj, a, b);
    if (piece == NULL)
        return -1;
    PyObject *known = PyDict_GetItemWithError(memo, piece); /* borrowed */
    if (known != NULL) {
        Py_DECREF(piece);
        return known == Py_True;
    }
    if (PyErr_Occurred()) {
        Py_DECREF(piece);
        return -1;
    }
    PyObject *found = PyObject_CallOneArg(match, piece);
    if (found == NULL) {
        Py_DECREF(piece);
        return -1;
    }
    int value = found != Py_None;
    Py_DECREF(found);
    if (PyDict_GET_SIZE(memo) < MEMO_MAX && PyDict_SetItem(memo, piece, value ? Py_True : Py_False) < 0) {
        Py_DECREF(piece);
        return -1;
    }
    Py_DECREF(piece);
    return value;
}

/* checks._start_clean(text, start), for 0 < start < n. */
static int
start_clean(const Text *t, Py_ssize_t start)
{
    int r = is_letter(CH(t, start - 1));
    if (r <= 0)
        return r < 0 ? -1 : 1;
    r = is_letter(CH(t, start));
    if (r <= 0)
        return r < 0 ? -1 : 1;
    Py_ssize_t word_start = start - 1;
    while (word_start > 0) {
        r = is_letter(CH(t, word_start - 1));
        if (r < 0)
            return -1;
        if (!r)
            break;
        word_start--;
    }
    return clitic_matches(proclitics_match, proclitics_memo, t, word_start, start);
}

/* checks._end_clean(text, end), for 0 < end < n. */
static int
end_clean(const Text *t, Py_ssize_t end)
{
    int r = is_letter(CH(t, end - 1));
    if (r <= 0)
        return r < 0 ? -1 : 1;
    r = is_letter(CH(t, end));
    if (r <= 0)
        return r < 0 ? -1 : 1;
    Py_ssize_t word_end = end + 1;
    while (word_end < t->n) {
        r = is_letter(CH(t, word_end));
        if (r < 0)
            return -1;
        if (!r)
            break;
        word_end++;
    }
    return clitic_matches(enclitics_match, enclitics_memo, t, end, word_end);
}

static int
not_letter(Py_UCS4 c)
{
    return c < BMP && BIT(not_letter_map, c);
}

/* surface == text[start:end], for 0 <= start < end <= n; -1 on error. */
static int
surface_equal(const Text *t, Py_ssize_t start, Py_ssize_t end, PyObject *surface)
{
    if (!PyUnicode_CheckExact(surface)) {
        /* Not what orjson makes: compare as Python does. */
        PyObject *piece = PyUnicode_Substring(t->obj, start, end);
        if (piece == NULL)
            return -1;
        int r = PyObject_RichCompareBool(surface, piece, Py_EQ);
        Py_DECREF(piece);
        return r;
    }
    if (ready(surface) < 0)
        return -1;
    Py_ssize_t len = end - start;
    if (PyUnicode_GET_LENGTH(surface) != len)
        return 0;
    int kind = PyUnicode_KIND(surface);
    const void *data = PyUnicode_DATA(surface);
    if (kind == t->kind)
        return memcmp(data, (const char *)t->data + start * kind, (size_t)(len * kind)) == 0;
    /* A surface with only narrower characters than the rest of the text. */
    for (Py_ssize_t i = 0; i < len; i++)
        if (PyUnicode_READ(kind, data, i) != CH(t, start + i))
            return 0;
    return 1;
}

/* The span condition of checks._scan_clean: start < end <= n, the surface is
   text[start:end] and neither edge splits a word. */
static int
span_clean(const Text *t, Py_ssize_t start, Py_ssize_t end, PyObject *surface)
{
    if (!(start < end && end <= t->n))
        return 0;
    int r = surface_equal(t, start, end, surface);
    if (r <= 0)
        return r;
    if (start > 0 && !not_letter(CH(t, start - 1))) {
        r = start_clean(t, start);
        if (r <= 0)
            return r;
    }
    if (end < t->n && !not_letter(CH(t, end))) {
        r = end_clean(t, end);
        if (r <= 0)
            return r;
    }
    return 1;
}

static int
has_newline(const Text *t, Py_ssize_t start, Py_ssize_t end)
{
    if (t->kind == PyUnicode_1BYTE_KIND)
        return memchr((const char *)t->data + start, '\n', (size_t)(end - start)) != NULL;
    for (Py_ssize_t i = start; i < end; i++)
        if (CH(t, i) == '\n')
            return 1;
    return 0;
}

static int
has_invisible(const Text *t)
{
    Py_ssize_t n = t->n;
    switch (t->kind) {
    case PyUnicode_1BYTE_KIND: {
        const Py_UCS1 *s = t->data;
        for (Py_ssize_t i = 0; i < n; i++)
            if (BIT(invisible_map, s[i]))
                return 1;
        return 0;
    }
    case PyUnicode_2BYTE_KIND: {
        const Py_UCS2 *s = t->data;
        for (Py_ssize_t i = 0; i < n; i++)
            if (BIT(invisible_map, s[i]))
                return 1;
        return 0;
    }
    default: {
        const Py_UCS4 *s = t->data;
        for (Py_ssize_t i = 0; i < n; i++)
            if (s[i] < BMP && BIT(invisible_map, s[i]))
                return 1;
        return 0;
    }
    }
}

/* ---- the scan ----------------------------------------------------------------------- */

/* What the visitors return: go on, stop because some object's keys are out of canonical
   order (the whole answer is then "not canonical"), or stop on an exception. */
enum { GO = 0, KEYS_OUT_OF_ORDER = 1, ERROR = -1 };

typedef struct {
    Py_ssize_t start, end;
} Pair;

typedef struct {
    Text t;
    int spans_ok, blocks_ok;
    Py_ssize_t previous_end; /* of the blocks so far */
    Pair *mentions;          /* in-range mention offsets, for the nesting test */
    Py_ssize_t count, capacity;
} Scan;

/* Whether the keys of `obj` are exactly key_orders[role], in order; if so `values` holds
   the values (borrowed from obj). 1 yes, 0 no; never fails. */
static int
keys_in_order(PyObject *obj, int role, PyObject **values)
{
    PyObject *order = key_orders[role];
    if (!PyDict_Check(obj) || PyDict_GET_SIZE(obj) != PyTuple_GET_SIZE(order))
        return 0;
    Py_ssize_t pos = 0, i = 0;
    PyObject *key, *value;
    while (PyDict_Next(obj, &pos, &key, &value)) {
        PyObject *expected = PyTuple_GET_ITEM(order, i);
        if (key != expected && key != seen_keys[role][i]) {
            if (!PyUnicode_CheckExact(key))
                return 0; /* not from a JSON parser: let the full checks judge */
            if (ready(key) < 0) {
                PyErr_Clear();
                return 0;
            }
            Py_ssize_t len = PyUnicode_GET_LENGTH(key);
            int kind = PyUnicode_KIND(key);
            if (len != PyUnicode_GET_LENGTH(expected) || kind != PyUnicode_KIND(expected)
                    || memcmp(PyUnicode_DATA(key), PyUnicode_DATA(expected), (size_t)(len * kind)) != 0)
                return 0;
            Py_INCREF(key);
            Py_XSETREF(seen_keys[role][i], key);
        }
        values[i++] = value;
    }
    return 1;
}

/* An offset as the schema allows it: an int >= 0. Anything else raises TypeError, which
   check_record_fast answers with the full checks. Ints too large for a Py_ssize_t are out
   of range of any text, so they become PY_SSIZE_T_MAX. */
static int
offset(PyObject *value, Py_ssize_t *out)
{
    if (!PyLong_CheckExact(value)) {
        PyErr_Format(PyExc_TypeError, "offset %R is not an int", value);
        return -1;
    }
    int overflow;
    long long x = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (x == -1 && PyErr_Occurred())
        return -1;
    if (overflow > 0) { /* x is -1 then */
        *out = PY_SSIZE_T_MAX;
        return 0;
    }
    if (overflow < 0 || x < 0) {
        PyErr_Format(PyExc_TypeError, "offset %R is negative", value);
        return -1;
    }
    *out = x > (long long)PY_SSIZE_T_MAX ? PY_SSIZE_T_MAX : (Py_ssize_t)x;
    return 0;
}

typedef int (*Visit)(void *state, PyObject *item);

/* visit(item) for every item of a list. The list and the item are held because visit may
   call into Python (the letter and clitic predicates), which may switch threads. */
static int
each(void *state, PyObject *list, Visit visit)
{
    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "expected a list");
        return ERROR;
    }
    int r = GO;
    Py_INCREF(list);
    for (Py_ssize_t i = 0; r == GO && i < PyList_GET_SIZE(list); i++) {
        PyObject *item = PyList_GET_ITEM(list, i);
        Py_INCREF(item);
        r = visit(state, item);
        Py_DECREF(item);
    }
    Py_DECREF(list);
    return r;
}

/* A span with a surface text (quote fragment, cue, speaker span, trigger). */
static int
visit_span(Scan *s, PyObject *span, int role)
{
    PyObject *v[MAX_KEYS];
    if (!keys_in_order(span, role, v))
        return KEYS_OUT_OF_ORDER;
    Py_ssize_t start, end;
    if (offset(v[pos_start[role]], &start) < 0 || offset(v[pos_end[role]], &end) < 0)
        return ERROR;
    if (s->spans_ok) {
        int r = span_clean(&s->t, start, end, v[pos_text[role]]);
        if (r < 0)
            return ERROR;
        s->spans_ok = r;
    }
    return GO;
}

static int
visit_fragment(void *state, PyObject *span)
{
    Scan *s = state;
    return visit_span(s, span, R_FRAGMENT);
}

static int
visit_block(void *state, PyObject *block)
{
    Scan *s = state;
    PyObject *v[MAX_KEYS];
    if (!keys_in_order(block, R_BLOCK, v))
        return KEYS_OUT_OF_ORDER;
    Py_ssize_t start, end;
    if (offset(v[pos_start[R_BLOCK]], &start) < 0 || offset(v[pos_end[R_BLOCK]], &end) < 0)
        return ERROR;
    if (!(start < end && end <= s->t.n)) {
        s->spans_ok = 0;
        return GO;
    }
    if (s->blocks_ok && (start < s->previous_end || has_newline(&s->t, start, end)))
        s->blocks_ok = 0;
    if (end > s->previous_end)
        s->previous_end = end;
    return GO;
}

static int
visit_mention(void *state, PyObject *mention)
{
    Scan *s = state;
    PyObject *v[MAX_KEYS];
    if (!keys_in_order(mention, R_MENTION, v))
        return KEYS_OUT_OF_ORDER;
    Py_ssize_t start, end;
    if (offset(v[pos_start[R_MENTION]], &start) < 0 || offset(v[pos_end[R_MENTION]], &end) < 0)
        return ERROR;
    if (!(start < end && end <= s->t.n)) {
        s->spans_ok = 0;
        return GO;
    }
    if (s->count == s->capacity) {
        Py_ssize_t capacity = s->capacity ? 2 * s->capacity : 256;
        Pair *grown = PyMem_Realloc(s->mentions, (size_t)capacity * sizeof(Pair));
        if (grown == NULL) {
            PyErr_NoMemory();
            return ERROR;
        }
        s->mentions = grown;
        s->capacity = capacity;
    }
    s->mentions[s->count].start = start;
    s->mentions[s->count].end = end;
    s->count++;
    if (s->spans_ok) {
        int r = span_clean(&s->t, start, end, v[pos_text[R_MENTION]]);
        if (r < 0)
            return ERROR;
        s->spans_ok = r;
    }
    return GO;
}

static int
visit_entity(void *state, PyObject *entity)
{
    Scan *s = state;
    PyObject *v[MAX_KEYS];
    if (!keys_in_order(entity, R_ENTITY, v))
        return KEYS_OUT_OF_ORDER;
    return each(s, v[ent_mentions], visit_mention);
}

static int
visit_quote(void *state, PyObject *quote)
{
    Scan *s = state;
    PyObject *v[MAX_KEYS];
    if (!keys_in_order(quote, R_QUOTE, v))
        return KEYS_OUT_OF_ORDER;
    /* Held across the fragments' callbacks into Python. */
    PyObject *cue = v[quote_cue], *speaker_span = v[quote_speaker_span];
    Py_INCREF(cue);
    Py_INCREF(speaker_span);
    int r = each(s, v[quote_content], visit_fragment);
    if (r == GO && cue != Py_None)
        r = visit_span(s, cue, R_CUE);
    if (r == GO && speaker_span != Py_None)
        r = visit_span(s, speaker_span, R_SPEAKER_SPAN);
    Py_DECREF(cue);
    Py_DECREF(speaker_span);
    return r;
}

static int
visit_argument(void *state, PyObject *argument)
{
    PyObject *v[MAX_KEYS];
    (void)state;
    return keys_in_order(argument, R_ARGUMENT, v) ? GO : KEYS_OUT_OF_ORDER;
}

static int
visit_event(void *state, PyObject *event)
{
    Scan *s = state;
    PyObject *v[MAX_KEYS], *m[MAX_KEYS];
    if (!keys_in_order(event, R_EVENT, v))
        return KEYS_OUT_OF_ORDER;
    if (v[event_magnitude] != Py_None && !keys_in_order(v[event_magnitude], R_MAGNITUDE, m))
        return KEYS_OUT_OF_ORDER;
    int r = each(s, v[event_arguments], visit_argument);
    if (r == GO)
        r = visit_span(s, v[event_trigger], R_TRIGGER);
    return r;
}

static int
compare_pairs(const void *a, const void *b)
{
    const Pair *p = a, *q = b;
    if (p->start != q->start)
        return p->start < q->start ? -1 : 1;
    if (p->end != q->end)
        return p->end > q->end ? -1 : 1; /* longer first, as sorting by (start, -end) */
    return 0;
}

/* check_mentions_nest would report nothing: no two mentions with the same offsets, and
   every mention nests in or stays apart from the ones before it. 1, 0, or -1. */
static int
mentions_nest(Scan *s)
{
    if (s->count == 0)
        return 1;
    qsort(s->mentions, (size_t)s->count, sizeof(Pair), compare_pairs);
    Py_ssize_t *open_ends = PyMem_Malloc((size_t)s->count * sizeof(Py_ssize_t));
    if (open_ends == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t top = 0;
    int ok = 1;
    for (Py_ssize_t i = 0; i < s->count; i++) {
        Pair m = s->mentions[i];
        if (i > 0 && m.start == s->mentions[i - 1].start && m.end == s->mentions[i - 1].end) {
            ok = 0;
            break;
        }
        while (top > 0 && open_ends[top - 1] <= m.start)
            top--;
        if (top > 0 && m.end > open_ends[top - 1]) {
            ok = 0;
            break;
        }
        open_ends[top++] = m.end;
    }
    PyMem_Free(open_ends);
    return ok;
}

static PyObject *
answer(int keys_ok, int spans_ok, int nest_ok, int blocks_ok)
{
    return PyTuple_Pack(4, keys_ok ? Py_True : Py_False, spans_ok ? Py_True : Py_False,
                        nest_ok ? Py_True : Py_False, blocks_ok ? Py_True : Py_False);
}

static PyObject *
scan_clean(PyObject *module, PyObject *record)
{
    (void)module;
    if (!initialised) {
        PyErr_SetString(PyExc_RuntimeError, "akhbar._speedups.init() has not been called");
        return NULL;
    }
    PyObject *v[MAX_KEYS], *ignored[MAX_KEYS];
    if (!keys_in_order(record, R_RECORD, v) || !keys_in_order(v[rec_source], R_SOURCE, ignored)
            || !keys_in_order(v[rec_license], R_LICENSE, ignored)
            || !keys_in_order(v[rec_annotation], R_ANNOTATION, ignored))
        return answer(0, 0, 0, 0);
    PyObject *text = v[rec_text];
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "text is not a str");
        return NULL;
    }
    if (ready(text) < 0)
        return NULL;

    /* v[] is borrowed from the record: hold what is read after callbacks into Python. */
    PyObject *blocks = v[rec_blocks], *entities = v[rec_entities], *quotes = v[rec_quotes],
             *events = v[rec_events];
    Scan s;
    memset(&s, 0, sizeof s);
    Py_INCREF(text);
    Py_INCREF(blocks);
    Py_INCREF(entities);
    Py_INCREF(quotes);
    Py_INCREF(events);
    s.t.obj = text;
    s.t.kind = PyUnicode_KIND(text);
    s.t.data = PyUnicode_DATA(text);
    s.t.n = PyUnicode_GET_LENGTH(text);
    /* Invisible characters are rare: when the text has none, no span can hold one; when it
       has some, the full span checks run and say where. */
    s.spans_ok = !has_invisible(&s.t);
    s.blocks_ok = 1;

    int r = each(&s, blocks, visit_block);
    if (r == GO)
        r = each(&s, entities, visit_entity);
    if (r == GO)
        r = each(&s, quotes, visit_quote);
    if (r == GO)
        r = each(&s, events, visit_event);

    PyObject *result = NULL;
    if (r == KEYS_OUT_OF_ORDER) {
        result = answer(0, 0, 0, 0);
    } else if (r == GO) {
        int nest_ok = mentions_nest(&s);
        if (nest_ok >= 0)
            result = answer(1, s.spans_ok, nest_ok, s.blocks_ok);
    }
    PyMem_Free(s.mentions);
    Py_DECREF(text);
    Py_DECREF(blocks);
    Py_DECREF(entities);
    Py_DECREF(quotes);
    Py_DECREF(events);
    return result;
}

/* ---- structure --------------------------------------------------------------------- */

/* checks._structure_clean: None when check_structure could report anything but
   event-recipient-missing, else the (event id, category) pairs of that warning. Fields are
   read by name, as in Python, since only a few of each object's keys are needed. */

/* Besides GO and ERROR: check_structure may report something. */
enum { NOT_CLEAN = 2 };

enum Field { F_ID, F_MENTIONS, F_SPEAKER, F_ADDRESSEE, F_PARENT, F_SPEAKER_KIND, F_CUE, F_LEMMA,
             F_CATEGORY, F_MODE, F_ACTOR, F_RECIPIENT, F_ARGUMENTS, F_ENTITY, F_ENTITIES, F_QUOTES,
             F_EVENTS, N_FIELDS };
static const char *FIELD_NAMES[N_FIELDS] = {
    "id", "mentions", "speaker", "addressee", "parent", "speaker_kind", "cue", "lemma", "category",
    "mode", "actor", "recipient", "arguments", "entity", "entities", "quotes", "events",
};
static PyObject *fields[N_FIELDS]; /* interned str */

/* obj[field] (borrowed), or NULL with KeyError or TypeError set, as Python would raise. */
static PyObject *
get(PyObject *obj, int field)
{
    if (!PyDict_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "expected an object with %s", FIELD_NAMES[field]);
        return NULL;
    }
    PyObject *value = PyDict_GetItemWithError(obj, fields[field]);
    if (value == NULL && !PyErr_Occurred())
        PyErr_SetObject(PyExc_KeyError, fields[field]);
    return value;
}

typedef struct {
    PyObject *entity_ids, *mention_ids, *quote_ids, *event_ids; /* sets */
    PyObject *missing; /* list of (event id, category) for event-recipient-missing */
    Py_ssize_t mention_count;
    int any_parent;
} Structure;

/* GO if `key` is in `set`, NOT_CLEAN if not, ERROR. */
static int
member(PyObject *set, PyObject *key)
{
    int r = PySet_Contains(set, key);
    return r < 0 ? ERROR : r ? GO : NOT_CLEAN;
}

/* set.add(obj[field]) */
static int
add_field(PyObject *set, PyObject *obj, int field)
{
    PyObject *value = get(obj, field);
    return value == NULL || PySet_Add(set, value) < 0 ? ERROR : GO;
}

static int
is_label(PyObject *value, const char *label)
{
    return PyUnicode_Check(value) && PyUnicode_CompareWithASCIIString(value, label) == 0;
}

static int
collect_mention(void *state, PyObject *mention)
{
    Structure *st = state;
    st->mention_count++;
    return add_field(st->mention_ids, mention, F_ID);
}

static int
collect_entity(void *state, PyObject *entity)
{
    Structure *st = state;
    PyObject *mentions = get(entity, F_MENTIONS);
    if (mentions == NULL || add_field(st->entity_ids, entity, F_ID) == ERROR)
        return ERROR;
    return each(st, mentions, collect_mention);
}

static int
collect_quote(void *state, PyObject *quote)
{
    return add_field(((Structure *)state)->quote_ids, quote, F_ID);
}

static int
collect_event(void *state, PyObject *event)
{
    return add_field(((Structure *)state)->event_ids, event, F_ID);
}

/* Speaker, addressee and parent exist, speaker_kind agrees with speaker, the cue lemma is
   known. */
static int
check_quote(void *state, PyObject *quote)
{
    Structure *st = state;
    PyObject *speaker, *addressee, *parent, *kind, *cue, *lemma;
    if (!(speaker = get(quote, F_SPEAKER)) || !(addressee = get(quote, F_ADDRESSEE)) || !(parent = get(quote, F_PARENT)))
        return ERROR;
    int r = GO;
    if (speaker != Py_None)
        r = member(st->entity_ids, speaker);
    if (r == GO && addressee != Py_None)
        r = member(st->entity_ids, addressee);
    if (r == GO && parent != Py_None) {
        st->any_parent = 1;
        r = member(st->quote_ids, parent);
    }
    if (r != GO)
        return r;
    if (!(kind = get(quote, F_SPEAKER_KIND)))
        return ERROR;
    if ((is_label(kind, "named") && speaker == Py_None) || (is_label(kind, "anonymous") && speaker != Py_None))
        return NOT_CLEAN;
    if (!(cue = get(quote, F_CUE)))
        return ERROR;
    if (cue == Py_None)
        return GO;
    if (!(lemma = get(cue, F_LEMMA)))
        return ERROR;
    return member(cue_lemmas, lemma);
}

/* Whether the parent links form a cycle (what _check_parent_cycles reports), given that ids
   are unique and every parent is a quote id: a walk up the parents that takes more steps
   than there are quotes has come back to a quote it visited. */
static int
parent_cycle(PyObject *quotes)
{
    PyObject *parents = PyDict_New();
    if (parents == NULL)
        return ERROR;
    int r = GO;
    Py_ssize_t n = PyList_GET_SIZE(quotes);
    for (Py_ssize_t i = 0; r == GO && i < n; i++) {
        PyObject *quote = PyList_GET_ITEM(quotes, i), *id, *parent;
        if (!(id = get(quote, F_ID)) || !(parent = get(quote, F_PARENT)) || PyDict_SetItem(parents, id, parent) < 0)
            r = ERROR;
    }
    Py_ssize_t pos = 0;
    PyObject *id, *node;
    while (r == GO && PyDict_Next(parents, &pos, &id, &node)) {
        Py_ssize_t visited = 1;
        while (node != Py_None) {
            if (++visited > n) {
                r = NOT_CLEAN;
                break;
            }
            node = PyDict_GetItemWithError(parents, node); /* borrowed */
            if (node == NULL) {
                if (PyErr_Occurred())
                    r = ERROR;
                break; /* not a quote id: the walk ends, as in Python */
            }
        }
    }
    Py_DECREF(parents);
    return r;
}

/* Every item of `list` is an entity id. */
static int
all_entities(Structure *st, PyObject *list)
{
    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "expected a list");
        return ERROR;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
        int r = member(st->entity_ids, PyList_GET_ITEM(list, i));
        if (r != GO)
            return r;
    }
    return GO;
}

static int
check_argument(void *state, PyObject *argument)
{
    PyObject *entity = get(argument, F_ENTITY);
    return entity == NULL ? ERROR : member(((Structure *)state)->entity_ids, entity);
}

/* Actors, recipients and argument entities exist, the mode belongs to the category; and
   the event-recipient-missing warnings. */
static int
check_event(void *state, PyObject *event)
{
    Structure *st = state;
    PyObject *actor, *recipient, *arguments, *category, *mode, *id;
    if (!(actor = get(event, F_ACTOR)) || !(recipient = get(event, F_RECIPIENT)) || !(arguments = get(event, F_ARGUMENTS)))
        return ERROR;
    int r = all_entities(st, actor);
    if (r == GO)
        r = all_entities(st, recipient);
    if (r == GO)
        r = each(st, arguments, check_argument);
    if (r != GO)
        return r;
    /* Read after each(): `event` is held by the caller's each(), and nothing above runs
       Python code that could change it. */
    if (!(category = get(event, F_CATEGORY)) || !(mode = get(event, F_MODE)))
        return ERROR;
    PyObject *modes = PyDict_GetItemWithError(modes_by_category, category); /* borrowed */
    if (modes == NULL && PyErr_Occurred())
        return ERROR;
    if (modes != NULL && mode != Py_None) {
        int found = PySequence_Contains(modes, mode);
        if (found <= 0)
            return found < 0 ? ERROR : NOT_CLEAN;
    }
    int needs = PySet_Contains(recipient_required, category);
    int empty = needs > 0 ? PyObject_Not(recipient) : 0;
    if (needs < 0 || empty < 0)
        return ERROR;
    if (!empty)
        return GO;
    if (!(id = get(event, F_ID)))
        return ERROR;
    PyObject *pair = PyTuple_Pack(2, id, category);
    if (pair == NULL)
        return ERROR;
    r = PyList_Append(st->missing, pair) < 0 ? ERROR : GO;
    Py_DECREF(pair);
    return r;
}

static PyObject *
structure_clean(PyObject *module, PyObject *record)
{
    (void)module;
    if (!initialised) {
        PyErr_SetString(PyExc_RuntimeError, "akhbar._speedups.init() has not been called");
        return NULL;
    }
    PyObject *entities, *quotes, *events;
    if (!(entities = get(record, F_ENTITIES)) || !(quotes = get(record, F_QUOTES)) || !(events = get(record, F_EVENTS)))
        return NULL;
    if (!PyList_Check(entities) || !PyList_Check(quotes) || !PyList_Check(events)) {
        PyErr_SetString(PyExc_TypeError, "entities, quotes and events must be lists");
        return NULL;
    }
    Structure st;
    memset(&st, 0, sizeof st);
    PyObject *result = NULL;
    Py_INCREF(entities);
    Py_INCREF(quotes);
    Py_INCREF(events);
    if (!(st.entity_ids = PySet_New(NULL)) || !(st.mention_ids = PySet_New(NULL)) || !(st.quote_ids = PySet_New(NULL))
            || !(st.event_ids = PySet_New(NULL)) || !(st.missing = PyList_New(0)))
        goto done;

    int r = each(&st, entities, collect_entity);
    if (r == GO)
        r = each(&st, quotes, collect_quote);
    if (r == GO)
        r = each(&st, events, collect_event);
    /* A duplicate id makes a set smaller than its list. */
    if (r == GO && (PySet_GET_SIZE(st.entity_ids) != PyList_GET_SIZE(entities)
                    || PySet_GET_SIZE(st.quote_ids) != PyList_GET_SIZE(quotes)
                    || PySet_GET_SIZE(st.event_ids) != PyList_GET_SIZE(events)
                    || PySet_GET_SIZE(st.mention_ids) != st.mention_count))
        r = NOT_CLEAN;
    if (r == GO)
        r = each(&st, quotes, check_quote);
    if (r == GO && st.any_parent)
        r = parent_cycle(quotes);
    if (r == GO)
        r = each(&st, events, check_event);

    if (r == GO) {
        result = st.missing;
        Py_INCREF(result);
    } else if (r == NOT_CLEAN) {
        result = Py_None;
        Py_INCREF(result);
    }
done:
    Py_XDECREF(st.entity_ids);
    Py_XDECREF(st.mention_ids);
    Py_XDECREF(st.quote_ids);
    Py_XDECREF(st.event_ids);
    Py_XDECREF(st.missing);
    Py_DECREF(entities);
    Py_DECREF(quotes);
    Py_DECREF(events);
    return result;
}

/* ---- init --------------------------------------------------------------------------- */

static Py_ssize_t
index_of(PyObject *order, const char *name, const char *role)
{
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(order); i++) {
        PyObject *key = PyTuple_GET_ITEM(order, i);
        if (PyUnicode_CompareWithASCIIString(key, name) == 0)
            return i;
    }
    PyErr_Format(PyExc_ValueError, "the %s key order has no %s", role, name);
    return -1;
}

/* Set the bits of every one-character string in `chars`; they must be in the BMP. */
static int
fill_map(uint8_t *map, PyObject *chars, const char *what)
{
    PyObject *iterator = PyObject_GetIter(chars);
    if (iterator == NULL)
        return -1;
    PyObject *item;
    while ((item = PyIter_Next(iterator)) != NULL) {
        int bad = !PyUnicode_Check(item) || ready(item) < 0 || PyUnicode_GET_LENGTH(item) != 1
                  || PyUnicode_READ_CHAR(item, 0) >= BMP;
        if (!bad)
            SET(map, PyUnicode_READ_CHAR(item, 0));
        Py_DECREF(item);
        if (bad) {
            Py_DECREF(iterator);
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_ValueError, "%s must be single characters of the BMP", what);
            return -1;
        }
    }
    Py_DECREF(iterator);
    return PyErr_Occurred() ? -1 : 0;
}

typedef struct {
    Py_ssize_t *where;
    int role;
    const char *key;
} Position;

static int
read_positions(void)
{
    const Position positions[] = {
        {&rec_text, R_RECORD, "text"}, {&rec_blocks, R_RECORD, "blocks"},
        {&rec_source, R_RECORD, "source"}, {&rec_license, R_RECORD, "license"},
        {&rec_entities, R_RECORD, "entities"}, {&rec_quotes, R_RECORD, "quotes"},
        {&rec_events, R_RECORD, "events"}, {&rec_annotation, R_RECORD, "annotation"},
        {&ent_mentions, R_ENTITY, "mentions"}, {&quote_content, R_QUOTE, "content"},
        {&quote_cue, R_QUOTE, "cue"}, {&quote_speaker_span, R_QUOTE, "speaker_span"},
        {&event_trigger, R_EVENT, "trigger"}, {&event_arguments, R_EVENT, "arguments"},
        {&event_magnitude, R_EVENT, "magnitude"},
    };
    for (size_t i = 0; i < sizeof positions / sizeof positions[0]; i++) {
        const Position *p = &positions[i];
        if ((*p->where = index_of(key_orders[p->role], p->key, ROLE_NAMES[p->role])) < 0)
            return -1;
    }
    const int spans[] = {R_BLOCK, R_MENTION, R_FRAGMENT, R_CUE, R_SPEAKER_SPAN, R_TRIGGER};
    for (size_t i = 0; i < sizeof spans / sizeof spans[0]; i++) {
        int role = spans[i];
        PyObject *order = key_orders[role];
        if ((pos_start[role] = index_of(order, "start", ROLE_NAMES[role])) < 0
                || (pos_end[role] = index_of(order, "end", ROLE_NAMES[role])) < 0
                || (role != R_BLOCK && (pos_text[role] = index_of(order, "text", ROLE_NAMES[role])) < 0))
            return -1;
    }
    return 0;
}

static PyObject *
init(PyObject *module, PyObject *args, PyObject *kwargs)
{
    (void)module;
    static char *keywords[] = {"key_orders", "not_letters", "invisible", "is_letter", "proclitics",
                               "enclitics", "cue_lemmas", "modes_by_category", "recipient_required", NULL};
    PyObject *orders, *not_letters, *invisible, *letter_fn, *proclitics, *enclitics, *lemmas, *modes,
        *required;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!OOOOOOO!O:init", keywords, &PyDict_Type, &orders,
                                     &not_letters, &invisible, &letter_fn, &proclitics, &enclitics,
                                     &lemmas, &PyDict_Type, &modes, &required))
        return NULL;
    if (!PyCallable_Check(letter_fn)) {
        PyErr_SetString(PyExc_TypeError, "is_letter must be callable");
        return NULL;
    }
    initialised = 0;
    for (int role = 0; role < N_ROLES; role++) {
        PyObject *order = PyDict_GetItemString(orders, ROLE_NAMES[role]); /* borrowed */
        if (order == NULL || !PyTuple_Check(order) || PyTuple_GET_SIZE(order) > MAX_KEYS) {
            PyErr_Format(PyExc_ValueError, "key_orders[%s] must be a tuple of at most %d keys",
                         ROLE_NAMES[role], MAX_KEYS);
            return NULL;
        }
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(order); i++) {
            PyObject *key = PyTuple_GET_ITEM(order, i);
            if (!PyUnicode_CheckExact(key) || ready(key) < 0) {
                PyErr_Format(PyExc_ValueError, "key_orders[%s] must hold str keys", ROLE_NAMES[role]);
                return NULL;
            }
        }
        Py_INCREF(order);
        Py_XSETREF(key_orders[role], order);
        for (int i = 0; i < MAX_KEYS; i++)
            Py_CLEAR(seen_keys[role][i]);
    }
    if (read_positions() < 0)
        return NULL;
    memset(not_letter_map, 0, sizeof not_letter_map);
    memset(invisible_map, 0, sizeof invisible_map);
    memset(letter_known, 0, sizeof letter_known);
    memset(letter_value, 0, sizeof letter_value);
    if (fill_map(not_letter_map, not_letters, "not-letters") < 0 || fill_map(invisible_map, invisible, "invisible characters") < 0)
        return NULL;

    PyObject *pm = PyObject_GetAttrString(proclitics, "match");
    PyObject *em = pm ? PyObject_GetAttrString(enclitics, "match") : NULL;
    PyObject *pmemo = em ? PyDict_New() : NULL;
    PyObject *ememo = pmemo ? PyDict_New() : NULL;
    PyObject *lemma_set = ememo ? PyFrozenSet_New(lemmas) : NULL;
    PyObject *required_set = lemma_set ? PyFrozenSet_New(required) : NULL;
    if (required_set == NULL) {
        Py_XDECREF(pm);
        Py_XDECREF(em);
        Py_XDECREF(pmemo);
        Py_XDECREF(ememo);
        Py_XDECREF(lemma_set);
        return NULL;
    }
    Py_INCREF(letter_fn);
    Py_XSETREF(is_letter_fn, letter_fn);
    Py_XSETREF(proclitics_match, pm);
    Py_XSETREF(enclitics_match, em);
    Py_XSETREF(proclitics_memo, pmemo);
    Py_XSETREF(enclitics_memo, ememo);
    Py_XSETREF(cue_lemmas, lemma_set);
    Py_INCREF(modes);
    Py_XSETREF(modes_by_category, modes);
    Py_XSETREF(recipient_required, required_set);
    initialised = 1;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"init", (PyCFunction)(void (*)(void))init, METH_VARARGS | METH_KEYWORDS,
     "init(key_orders, not_letters, invisible, is_letter, proclitics, enclitics, cue_lemmas,\n"
     "     modes_by_category, recipient_required)\n\n"
     "Give the scans akhbar.checks' tables: the key order of each object role, the characters\n"
     "that are certainly not letters, the invisible characters, the letter predicate, the\n"
     "compiled proclitic and enclitic regexes, and the label inventories that check_structure\n"
     "uses."},
    {"scan_clean", scan_clean, METH_O,
     "scan_clean(record) -> (keys_ok, spans_ok, nest_ok, blocks_ok)\n\n"
     "What akhbar.checks._scan_clean returns for a schema-valid record; TypeError for an\n"
     "offset that is not an int >= 0."},
    {"structure_clean", structure_clean, METH_O,
     "structure_clean(record) -> list of (event id, category) or None\n\n"
     "What akhbar.checks._structure_clean returns for a schema-valid record."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "akhbar._speedups",
    "Compiled versions of akhbar.checks._scan_clean and _structure_clean (optional; see\n"
    "akhbar.checks._implementation).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    for (int i = 0; i < N_FIELDS; i++)
        if (fields[i] == NULL && (fields[i] = PyUnicode_InternFromString(FIELD_NAMES[i])) == NULL)
            return NULL;
    return PyModule_Create(&module_def);
}
