/* updates.c: dlt's schema_updates.json for a load package (core.md §3.5): the tables and
 * columns that appeared (or incomplete columns that got a type) since a change-counter mark. */
#include "schema/schema.h"
#include "schema/schema_int.h"

static bool table_changed(const schema_table *t, uint32_t mark)
{
    if (t->seq > mark)
        return true;
    for (uint32_t i = 0; i < t->ncolumns; i++)
        if (t->columns[i].seq > mark)
            return true;
    return false;
}

bool schema_has_updates(const schema *s, uint32_t mark)
{
    for (uint32_t i = 0; i < s->ntables; i++)
        if (table_changed(s->tables[i], mark))
            return true;
    return false;
}

cdlt_status schema_updates_to_json(const schema *s, uint32_t mark, buf *out)
{
    arena a;
    arena_init(&a, 16 * 1024, 0);
    jv full;
    cdlt_status st = CDLT_OK;
    jv_builder root;
    jv_builder_init(&root, JV_OBJECT);
    bool have_full = false;
    for (uint32_t i = 0; i < s->ntables && st == CDLT_OK; i++) {
        const schema_table *t = s->tables[i];
        if (!table_changed(t, mark))
            continue;
        jv partial;
        if (t->seq > mark) {
            /* a new table: the whole table as the document has it */
            if (!have_full) {
                st = schema_to_jv(s, NULL, &a, &full);
                have_full = true;
                if (st != CDLT_OK)
                    break;
            }
            const jv *tables = jv_get(&full, "tables");
            const jv *tv = tables ? jv_get(tables, t->name) : NULL;
            if (!tv) {
                st = CDLT_ERROR;
                break;
            }
            partial = *tv;
        } else {
            /* an existing table: name, parent and the new/updated columns */
            if (!have_full) {
                st = schema_to_jv(s, NULL, &a, &full);
                have_full = true;
                if (st != CDLT_OK)
                    break;
            }
            const jv *cols = jv_get_path(&full, "tables");
            cols = cols ? jv_get(cols, t->name) : NULL;
            cols = cols ? jv_get(cols, "columns") : NULL;
            jv_builder pt, pc;
            jv_builder_init(&pt, JV_OBJECT);
            jv_builder_init(&pc, JV_OBJECT);
            for (uint32_t c = 0; c < t->ncolumns && st == CDLT_OK && cols; c++) {
                if (t->columns[c].seq <= mark)
                    continue;
                const jv *cv = jv_getn(cols, t->columns[c].name, t->columns[c].name_len);
                if (cv)
                    st = jv_builder_set(&pc, &a, t->columns[c].name, t->columns[c].name_len, *cv);
            }
            jv nm = jv_str(&a, t->name, strlen(t->name));
            if (jv_failed(&nm))
                st = CDLT_NOMEM;
            if (st == CDLT_OK)
                st = jv_builder_set(&pt, &a, "name", 4, nm);
            if (st == CDLT_OK)
                st = jv_builder_set(&pt, &a, "columns", 7, pc.value);
            if (st == CDLT_OK && t->parent) {
                jv pv = jv_str(&a, t->parent, strlen(t->parent));
                st = jv_failed(&pv) ? CDLT_NOMEM : jv_builder_set(&pt, &a, "parent", 6, pv);
            }
            partial = pt.value;
        }
        if (st != CDLT_OK)
            break;
        jv_builder list;
        jv_builder_init(&list, JV_ARRAY);
        st = jv_builder_push(&list, &a, partial);
        if (st == CDLT_OK)
            st = jv_builder_set(&root, &a, t->name, strlen(t->name), list.value);
    }
    if (st == CDLT_OK)
        st = json_write(out, &root.value, 0);
    arena_free(&a);
    return st;
}
