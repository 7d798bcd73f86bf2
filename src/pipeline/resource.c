/* resource.c: the public source/resource API: construction, ownership, hints, steps, limits
 * and selection. Nothing runs here; extract.c drives the callbacks. */
#include "pipeline.h"
#include "incremental/incremental.h"
#include "types/types.h"

#include <stdio.h>
#include <stdlib.h>

static bool valid_name(const char *s)
{
    return s && *s && strlen(s) < 256;
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mem_free(v[i]);
    mem_free(v);
}

void cdlt_resource_free(cdlt_resource *r)
{
    if (!r)
        return;
    mem_free(r->name);
    mem_free(r->file_glob);
    mem_free(r->table_name);
    free_strv(r->pk, r->npk);
    free_strv(r->mk, r->nmk);
    for (size_t i = 0; i < r->ncols; i++) {
        mem_free(r->cols[i].name);
        mem_free(r->cols[i].type);
    }
    mem_free(r->cols);
    mem_free(r->steps);
    mem_free(r->incr_spec);
    mem_free(r->scd2_from);
    mem_free(r->scd2_to);
    mem_free(r->scd2_active);
    mem_free(r->scd2_boundary);
    mem_free(r->scd2_row_version);
    mem_free(r->references);
    if (r->ud_free)
        r->ud_free(r->ud);
    mem_free(r);
}

static cdlt_resource *res_new(const char *name)
{
    cdlt_resource *r = mem_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->name = mem_strdup(name);
    if (!r->name) {
        mem_free(r);
        return NULL;
    }
    r->selected = true;
    r->max_nesting = -1;
    r->limit_items = -1;
    return r;
}

cdlt_status cdlt_resource_open(const char *name, cdlt_resource_fn fn, void *ud,
                               cdlt_resource **out)
{
    *out = NULL;
    if (!valid_name(name) || !fn)
        return CDLT_INVALID_ARG;
    cdlt_resource *r = res_new(name);
    if (!r)
        return CDLT_NOMEM;
    r->fn = fn;
    r->ud = ud;
    *out = r;
    return CDLT_OK;
}

cdlt_status cdlt_transformer_open(const char *name, cdlt_resource *parent,
                                  cdlt_transformer_fn fn, void *ud, cdlt_resource **out)
{
    *out = NULL;
    if (!valid_name(name) || !fn || !parent)
        return CDLT_INVALID_ARG;
    cdlt_resource *r = res_new(name);
    if (!r)
        return CDLT_NOMEM;
    r->tfn = fn;
    r->ud = ud;
    r->parent = parent;
    *out = r;
    return CDLT_OK;
}

cdlt_status cdlt_file_resource_open(const char *name, const char *path_or_glob,
                                    cdlt_resource **out, cdlt_error *err)
{
    *out = NULL;
    if (!valid_name(name))
        return err_set(err, CDLT_INVALID_ARG, "resource name must be 1-255 bytes");
    if (!path_or_glob || !*path_or_glob)
        return err_set(err, CDLT_INVALID_ARG, "resource '%s': no path given", name);
    cdlt_resource *r = res_new(name);
    if (!r)
        return err_nomem(err);
    r->file_glob = mem_strdup(path_or_glob);
    if (!r->file_glob) {
        cdlt_resource_free(r);
        return err_nomem(err);
    }
    r->fn = pipe_run_file_resource;
    r->ud = r;
    *out = r;
    return CDLT_OK;
}

const char *cdlt_resource_name(const cdlt_resource *r) { return r ? r->name : NULL; }

static cdlt_status dup_strv(char **src, size_t n, char ***out)
{
    *out = NULL;
    if (n == 0)
        return CDLT_OK;
    char **v = mem_calloc(n, sizeof *v);
    if (!v)
        return CDLT_NOMEM;
    for (size_t i = 0; i < n; i++) {
        v[i] = mem_strdup(src[i]);
        if (!v[i]) {
            free_strv(v, i);
            return CDLT_NOMEM;
        }
    }
    *out = v;
    return CDLT_OK;
}

cdlt_status cdlt_resource_with_name(const cdlt_resource *r, const char *name, cdlt_resource **out)
{
    *out = NULL;
    if (!r || !valid_name(name))
        return CDLT_INVALID_ARG;
    cdlt_resource *c = res_new(name);
    if (!c)
        return CDLT_NOMEM;
    c->fn = r->fn;
    c->tfn = r->tfn;
    c->ud = r->fn == pipe_run_file_resource ? (void *)c : r->ud;
    c->parent = r->parent;
    c->selected = r->selected;
    c->table_fn = r->table_fn;
    c->table_ud = r->table_ud;
    c->wd = r->wd;
    c->strategy = r->strategy;
    c->max_nesting = r->max_nesting;
    c->contract = r->contract;
    c->limit_items = r->limit_items;
    c->limit_seconds = r->limit_seconds;
    bool ok = !r->incr_spec || (c->incr_spec = mem_strdup(r->incr_spec)) != NULL;
    char *const *from[] = {&r->scd2_from, &r->scd2_to, &r->scd2_active, &r->scd2_boundary,
                           &r->scd2_row_version, &r->references};
    char **to[] = {&c->scd2_from, &c->scd2_to, &c->scd2_active, &c->scd2_boundary,
                   &c->scd2_row_version, &c->references};
    for (size_t i = 0; ok && i < 6; i++)
        ok = !*from[i] || (*to[i] = mem_strdup(*from[i])) != NULL;
    if (r->file_glob && !(c->file_glob = mem_strdup(r->file_glob)))
        ok = false;
    /* the table name follows the new name unless it was set explicitly */
    if (ok && r->table_name && strcmp(r->table_name, r->name) != 0 &&
        !(c->table_name = mem_strdup(r->table_name)))
        ok = false;
    if (ok && dup_strv(r->pk, r->npk, &c->pk) != CDLT_OK)
        ok = false;
    else
        c->npk = r->npk;
    if (ok && dup_strv(r->mk, r->nmk, &c->mk) != CDLT_OK)
        ok = false;
    else
        c->nmk = r->nmk;
    if (ok && r->nsteps) {
        c->steps = mem_calloc(r->nsteps, sizeof *c->steps);
        if (c->steps) {
            memcpy(c->steps, r->steps, r->nsteps * sizeof *c->steps);
            c->nsteps = r->nsteps;
        } else {
            ok = false;
        }
    }
    for (size_t i = 0; ok && i < r->ncols; i++) {
        if (cdlt_resource_add_column(c, r->cols[i].name, r->cols[i].type, r->cols[i].nullable) !=
            CDLT_OK)
            ok = false;
        else {
            c->cols[c->ncols - 1].hints = r->cols[i].hints;
            c->cols[c->ncols - 1].dedup_sort = r->cols[i].dedup_sort;
            c->cols[c->ncols - 1].timezone = r->cols[i].timezone;
            c->cols[c->ncols - 1].precision = r->cols[i].precision;
            c->cols[c->ncols - 1].scale = r->cols[i].scale;
            c->cols[c->ncols - 1].value_type = r->cols[i].value_type;
        }
    }
    if (!ok) {
        cdlt_resource_free(c);
        return CDLT_NOMEM;
    }
    *out = c;
    return CDLT_OK;
}

void cdlt_resource_set_selected(cdlt_resource *r, bool selected)
{
    if (r)
        r->selected = selected;
}

cdlt_status cdlt_resource_set_table_name(cdlt_resource *r, const char *table)
{
    if (!r)
        return CDLT_INVALID_ARG;
    char *t = NULL;
    if (table && *table) {
        if (strlen(table) >= 256)
            return CDLT_INVALID_ARG;
        if (!(t = mem_strdup(table)))
            return CDLT_NOMEM;
    }
    mem_free(r->table_name);
    r->table_name = t; /* "" removes the hint, as in dlt */
    return CDLT_OK;
}

cdlt_status cdlt_resource_set_table_name_fn(cdlt_resource *r, cdlt_table_name_fn fn, void *ud)
{
    if (!r)
        return CDLT_INVALID_ARG;
    r->table_fn = fn;
    r->table_ud = ud;
    return CDLT_OK;
}

cdlt_status cdlt_resource_set_write_disposition(cdlt_resource *r, cdlt_write_disposition wd)
{
    if (!r)
        return CDLT_INVALID_ARG;
    switch (wd) {
    case CDLT_WD_DEFAULT: r->wd = WD_UNSET; break;
    case CDLT_WD_APPEND: r->wd = WD_APPEND; break;
    case CDLT_WD_REPLACE: r->wd = WD_REPLACE; break;
    case CDLT_WD_MERGE: r->wd = WD_MERGE; break;
    default: return CDLT_INVALID_ARG;
    }
    return CDLT_OK;
}

static cdlt_status set_keys(char ***slot, size_t *nslot, const char *const *cols, size_t n)
{
    char **v = NULL;
    if (n) {
        for (size_t i = 0; i < n; i++)
            if (!cols[i] || !*cols[i])
                return CDLT_INVALID_ARG;
        if (dup_strv((char **)cols, n, &v) != CDLT_OK)
            return CDLT_NOMEM;
    }
    free_strv(*slot, *nslot);
    *slot = v;
    *nslot = n;
    return CDLT_OK;
}

cdlt_status cdlt_resource_set_primary_key(cdlt_resource *r, const char *const *cols, size_t n)
{
    return r ? set_keys(&r->pk, &r->npk, cols, n) : CDLT_INVALID_ARG;
}

cdlt_status cdlt_resource_set_merge_key(cdlt_resource *r, const char *const *cols, size_t n)
{
    return r ? set_keys(&r->mk, &r->nmk, cols, n) : CDLT_INVALID_ARG;
}

cdlt_status cdlt_resource_add_column(cdlt_resource *r, const char *name, const char *data_type,
                                     bool nullable)
{
    if (!r || !name || !*name)
        return CDLT_INVALID_ARG;
    if (data_type && *data_type && dtype_parse(data_type, strlen(data_type)) == DT_NONE)
        return CDLT_INVALID_ARG;
    pipe_col *nc = mem_realloc(r->cols, (r->ncols + 1) * sizeof *nc);
    if (!nc)
        return CDLT_NOMEM;
    r->cols = nc;
    pipe_col *c = &r->cols[r->ncols];
    memset(c, 0, sizeof *c);
    c->name = mem_strdup(name);
    c->type = data_type && *data_type ? mem_strdup(data_type) : NULL;
    c->nullable = nullable;
    c->timezone = -1;
    c->precision = c->scale = -1;
    if (!c->name || (data_type && *data_type && !c->type)) {
        mem_free(c->name);
        mem_free(c->type);
        return CDLT_NOMEM;
    }
    r->ncols++;
    return CDLT_OK;
}

cdlt_status cdlt_resource_set_incremental(cdlt_resource *r, const char *spec_json,
                                          cdlt_error *err)
{
    if (!r)
        return CDLT_INVALID_ARG;
    if (spec_json) { /* checked now, so a typo fails before anything runs */
        incr *in = NULL;
        cdlt_status rc = incr_open(spec_json, NULL, (const char *const *)r->pk, r->npk, r->name,
                                   &in, err);
        incr_free(in);
        if (rc != CDLT_OK)
            return rc;
    }
    char *c = spec_json ? mem_strdup(spec_json) : NULL;
    if (spec_json && !c)
        return CDLT_NOMEM;
    mem_free(r->incr_spec);
    r->incr_spec = c;
    return CDLT_OK;
}

static cdlt_status set_opt(char **slot, const char *v)
{
    char *c = v ? mem_strdup(v) : NULL;
    if (v && !c)
        return CDLT_NOMEM;
    mem_free(*slot);
    *slot = c;
    return CDLT_OK;
}

cdlt_status cdlt_resource_set_scd2(cdlt_resource *r, const char *valid_from,
                                   const char *valid_to, const char *active_record_timestamp,
                                   const char *boundary_timestamp,
                                   const char *row_version_column_name)
{
    if (!r || (!valid_from != !valid_to))
        return CDLT_INVALID_ARG;
    for (int k = 0; k < 2; k++) {
        const char *ts = k ? boundary_timestamp : active_record_timestamp;
        int64_t us;
        bool tz;
        if (ts && !types_parse_iso_timestamp(ts, strlen(ts), &us, &tz)) {
            int32_t days;
            if (!types_parse_iso_date(ts, strlen(ts), &days))
                return CDLT_INVALID_ARG;
        }
    }
    cdlt_status rc = set_opt(&r->scd2_from, valid_from);
    if (rc == CDLT_OK)
        rc = set_opt(&r->scd2_to, valid_to);
    if (rc == CDLT_OK)
        rc = set_opt(&r->scd2_active, active_record_timestamp);
    if (rc == CDLT_OK)
        rc = set_opt(&r->scd2_boundary, boundary_timestamp);
    if (rc == CDLT_OK)
        rc = set_opt(&r->scd2_row_version, row_version_column_name);
    if (rc == CDLT_OK)
        r->strategy = MS_SCD2;
    return rc;
}

cdlt_status cdlt_resource_set_merge_deduplicated(cdlt_resource *r, bool deduplicated)
{
    if (!r)
        return CDLT_INVALID_ARG;
    r->stage_deduplicated = deduplicated;
    return CDLT_OK;
}

cdlt_status cdlt_resource_set_merge_strategy(cdlt_resource *r, const char *strategy)
{
    if (!r || !strategy)
        return CDLT_INVALID_ARG;
    static const struct {
        const char *name;
        merge_strategy ms;
    } S[] = {{"delete-insert", MS_DELETE_INSERT}, {"upsert", MS_UPSERT},
             {"insert-only", MS_INSERT_ONLY}, {"scd2", MS_SCD2}};
    for (size_t i = 0; i < sizeof S / sizeof S[0]; i++)
        if (strcmp(strategy, S[i].name) == 0) {
            r->strategy = S[i].ms;
            return CDLT_OK;
        }
    return CDLT_INVALID_ARG;
}

cdlt_status cdlt_resource_set_column_hint(cdlt_resource *r, const char *column, const char *hint,
                                          const char *value)
{
    if (!r || !column || !*column || !hint || !value)
        return CDLT_INVALID_ARG;
    static const struct {
        const char *name;
        uint32_t bit;
    } H[] = {{"hard_delete", HINT_HARD_DELETE}, {"merge_key", HINT_MERGE_KEY},
             {"primary_key", HINT_PRIMARY_KEY}, {"unique", HINT_UNIQUE}};
    uint32_t bit = 0;
    int8_t sort = 0;
    bool on = false;
    int32_t num = -1; /* precision / scale */
    int8_t tz = -1;
    if (strcmp(hint, "precision") == 0 || strcmp(hint, "scale") == 0) {
        char *end;
        long v = strtol(value, &end, 10);
        if (!*value || *end || v < 0 || v > 1000000)
            return CDLT_INVALID_ARG;
        num = (int32_t)v;
    } else if (strcmp(hint, "timezone") == 0) {
        if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
            return CDLT_INVALID_ARG;
        tz = value[0] == 't';
    } else if (strcmp(hint, "dedup_sort") == 0) {
        if (strcmp(value, "asc") != 0 && strcmp(value, "desc") != 0)
            return CDLT_INVALID_ARG;
        sort = value[0] == 'a' ? 1 : -1;
    } else {
        for (size_t i = 0; i < sizeof H / sizeof H[0] && !bit; i++)
            if (strcmp(hint, H[i].name) == 0)
                bit = H[i].bit;
        if (!bit || (strcmp(value, "true") != 0 && strcmp(value, "false") != 0))
            return CDLT_INVALID_ARG;
        on = value[0] == 't';
    }
    pipe_col *c = NULL;
    for (size_t i = 0; i < r->ncols && !c; i++)
        if (strcmp(r->cols[i].name, column) == 0)
            c = &r->cols[i];
    if (!c) {
        cdlt_status rc = cdlt_resource_add_column(r, column, NULL, true);
        if (rc != CDLT_OK)
            return rc;
        c = &r->cols[r->ncols - 1];
    }
    if (num >= 0 && hint[0] == 'p')
        c->precision = num;
    else if (num >= 0)
        c->scale = num;
    else if (tz >= 0)
        c->timezone = tz;
    else if (sort)
        c->dedup_sort = sort;
    else if (on)
        c->hints |= bit;
    else
        c->hints &= ~bit;
    return CDLT_OK;
}

cdlt_status cdlt_resource_set_max_table_nesting(cdlt_resource *r, int max_nesting)
{
    if (!r || max_nesting < -1)
        return CDLT_INVALID_ARG;
    r->max_nesting = max_nesting;
    return CDLT_OK;
}

static contract_mode parse_mode(const char *s, size_t n)
{
    static const struct {
        const char *name;
        contract_mode m;
    } modes[] = {{"evolve", CM_EVOLVE},
                 {"freeze", CM_FREEZE},
                 {"discard_row", CM_DISCARD_ROW},
                 {"discard_value", CM_DISCARD_VALUE}};
    for (size_t i = 0; i < CDLT_ARRAY_LEN(modes); i++)
        if (strlen(modes[i].name) == n && memcmp(modes[i].name, s, n) == 0)
            return modes[i].m;
    return CM_UNSET;
}

cdlt_status cdlt_resource_set_schema_contract(cdlt_resource *r, const char *contract)
{
    if (!r || !contract)
        return CDLT_INVALID_ARG;
    schema_contract c = {CM_UNSET, CM_UNSET, CM_UNSET};
    const char *p = contract;
    while (*p == ' ')
        p++;
    if (*p != '{') {
        contract_mode m = parse_mode(p, strlen(p));
        if (m == CM_UNSET)
            return CDLT_INVALID_ARG;
        c.tables = c.columns = c.data_type = m;
    } else {
        arena a;
        arena_init(&a, 1024, 0);
        jv v;
        cdlt_status st = json_parse(contract, strlen(contract), &a, NULL, &v, NULL);
        if (st == CDLT_OK && v.type != JV_OBJECT)
            st = CDLT_INVALID_ARG;
        for (uint32_t i = 0; st == CDLT_OK && i < v.len; i++) {
            const jv_member *m = &v.u.members[i];
            if (m->value.type != JV_STRING) {
                st = CDLT_INVALID_ARG;
                break;
            }
            contract_mode mode = parse_mode(m->value.u.s, m->value.len);
            if (mode == CM_UNSET)
                st = CDLT_INVALID_ARG;
            else if (strcmp(m->key, "tables") == 0)
                c.tables = mode;
            else if (strcmp(m->key, "columns") == 0)
                c.columns = mode;
            else if (strcmp(m->key, "data_type") == 0)
                c.data_type = mode;
            else
                st = CDLT_INVALID_ARG;
        }
        arena_free(&a);
        if (st != CDLT_OK)
            return st == CDLT_NOMEM ? st : CDLT_INVALID_ARG;
    }
    r->contract = c;
    return CDLT_OK;
}

void cdlt_resource_add_limit(cdlt_resource *r, int64_t max_items, double max_seconds)
{
    if (!r)
        return;
    r->limit_items = max_items < 0 ? -1 : max_items;
    r->limit_seconds = max_seconds;
}

static cdlt_status add_step(cdlt_resource *r, pipe_step s)
{
    pipe_step *ns = mem_realloc(r->steps, (r->nsteps + 1) * sizeof *ns);
    if (!ns)
        return CDLT_NOMEM;
    r->steps = ns;
    r->steps[r->nsteps++] = s;
    return CDLT_OK;
}

cdlt_status cdlt_resource_add_map(cdlt_resource *r, cdlt_map_fn fn, void *ud)
{
    if (!r || !fn)
        return CDLT_INVALID_ARG;
    pipe_step s = {STEP_MAP, fn, NULL, ud};
    return add_step(r, s);
}

cdlt_status cdlt_resource_add_filter(cdlt_resource *r, cdlt_filter_fn fn, void *ud)
{
    if (!r || !fn)
        return CDLT_INVALID_ARG;
    pipe_step s = {STEP_FILTER, NULL, fn, ud};
    return add_step(r, s);
}

/* ---- sources ---- */

cdlt_status cdlt_source_open(const char *name, cdlt_source **out)
{
    *out = NULL;
    cdlt_source *s = mem_calloc(1, sizeof *s);
    if (!s)
        return CDLT_NOMEM;
    if (name && *name && !(s->name = mem_strdup(name))) {
        mem_free(s);
        return CDLT_NOMEM;
    }
    *out = s;
    return CDLT_OK;
}

void cdlt_source_free(cdlt_source *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        cdlt_resource_free(s->res[i]);
    mem_free(s->res);
    mem_free(s->name);
    mem_free(s);
}

cdlt_status cdlt_source_add(cdlt_source *s, cdlt_resource *r)
{
    if (!s || !r) {
        cdlt_resource_free(r);
        return CDLT_INVALID_ARG;
    }
    bool parent_ok = !r->parent;
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->res[i]->name, r->name) == 0 || s->res[i] == r) {
            cdlt_resource_free(r);
            return CDLT_EXISTS;
        }
        if (s->res[i] == r->parent)
            parent_ok = true;
    }
    if (!parent_ok) {
        cdlt_resource_free(r);
        return CDLT_INVALID_ARG;
    }
    cdlt_resource **nr = mem_grow(s->res, s->n, &s->cap, sizeof *nr, 8);
    if (!nr) {
        cdlt_resource_free(r);
        return CDLT_NOMEM;
    }
    s->res = nr;
    r->owner = s;
    s->res[s->n++] = r;
    return CDLT_OK;
}

size_t cdlt_source_resource_count(const cdlt_source *s) { return s ? s->n : 0; }

cdlt_resource *cdlt_source_resource(cdlt_source *s, size_t i)
{
    return s && i < s->n ? s->res[i] : NULL;
}

cdlt_resource *cdlt_source_find(cdlt_source *s, const char *name)
{
    for (size_t i = 0; s && name && i < s->n; i++)
        if (strcmp(s->res[i]->name, name) == 0)
            return s->res[i];
    return NULL;
}

cdlt_status cdlt_source_with_resources(cdlt_source *s, const char *const *names, size_t n,
                                       cdlt_error *err)
{
    if (!s)
        return err_set(err, CDLT_INVALID_ARG, "no source");
    for (size_t i = 0; i < n; i++)
        if (!cdlt_source_find(s, names[i])) {
            err_set(err, CDLT_NOT_FOUND, "resource '%s' not found in source", names[i]);
            return err_hint(err, "known resources: see the definition file");
        }
    for (size_t j = 0; j < s->n; j++) {
        bool sel = false;
        for (size_t i = 0; i < n; i++)
            if (strcmp(s->res[j]->name, names[i]) == 0)
                sel = true;
        s->res[j]->selected = sel;
    }
    return CDLT_OK;
}

void cdlt_source_add_limit(cdlt_source *s, int64_t max_items, double max_seconds)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (s->res[i]->selected && !s->res[i]->tfn)
            cdlt_resource_add_limit(s->res[i], max_items, max_seconds);
}
