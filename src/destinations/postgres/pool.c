/* pool.c: load_threads > 1 — a package's tables are loaded over several connections at once.
 * PostgreSQL cannot share one transaction between connections, so each worker connection
 * (one thread each) holds its own transaction with everything done to the tables it owns:
 * their DDL, TRUNCATE and COPYs, plus their deferred UNIQUE constraints. A table belongs to
 * one worker for the life of the session (its uncommitted DDL is invisible to the others).
 * The main connection keeps _dlt_version, _dlt_loads, replace-from-staging and merge.
 *
 * Commit: wait until every worker ran its queue; any failure rolls everything back. Then the
 * workers commit in index order and the main connection (with the _dlt_loads row) last. A
 * crash between those commits leaves the package pending with some rows committed; the
 * pipeline recorded the package's tables before (commits_in_parts), and the next run deletes
 * the load's rows from them (delete_load) and loads the package whole again: exactly once.
 * delete_load finds a nested table's rows through its parent's rows, so a parent must never
 * commit after its child: a child table is owned by a worker whose index is >= its parent's
 * (workers commit in index order); a table whose parent is unknown goes to the last worker.
 * docs/postgres.md "load_threads". */
#include "pg.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct pg_task {
    pg_task_kind kind; /* what to run */
    schema_table *t;   /* private copy of the table (name, parent, columns); NULL for names */
    char *name;        /* table name (kinds without t) */
    char *path;        /* load file (PG_T_LOAD*), for messages */
    int fd;            /* its open descriptor (-1: none); the pipeline may move the file */
} pg_task;

typedef struct pg_pool pg_pool;

typedef struct pg_worker {
    struct pg_pool *pool; /* owner */
    destination *d;       /* own session: connection, transaction, deferred UNIQUEs */
    PGcancel *cancel;     /* to stop its running statement from the main thread */
    pthread_t th;         /* the worker thread */
    bool started;         /* th runs */
    pthread_cond_t cv;    /* a task was queued or the pool stops */
    pg_task *q;           /* ring of queued tasks */
    size_t head, n, cap;  /* first task, count, capacity */
    bool busy;            /* running a task (outside the lock) */
    bool failed;          /* a task failed: the rest are dropped until rollback */
    cdlt_error err;       /* the failure */
    uint64_t bytes;       /* load-file bytes given to it (for choosing owners) */
    uint32_t ntables;     /* tables it owns */
} pg_worker;

struct pg_pool {
    pthread_mutex_t mu;    /* guards every worker's queue/flags */
    pthread_cond_t cv_idle; /* a worker finished a task */
    bool stop;             /* threads end */
    uint32_t n;            /* workers */
    pg_worker *w;          /* the workers */
    strv owned;            /* table names with an owner */
    uint32_t *owner;       /* owner[i] = worker of owned.v[i] */
    size_t cap_owner;      /* entries allocated in owner */
};

/* Test hook like the pipeline's (CDLT_TEST_CRASH_AT=<point>[:<n>]): the pipeline's crash
 * points cannot see between the workers' commits. */
static void crash_point(const char *point)
{
    static long seen;
    const char *v = getenv("CDLT_TEST_CRASH_AT");
    if (!v || strncmp(v, point, strlen(point)) != 0 ||
        (v[strlen(point)] != '\0' && v[strlen(point)] != ':'))
        return;
    long nth = v[strlen(point)] == ':' ? strtol(v + strlen(point) + 1, NULL, 10) : 1;
    if (++seen < (nth < 1 ? 1 : nth))
        return;
    fprintf(stderr, "cdlt: test hook: crashing at '%s'\n", point);
    fflush(stderr);
    raise(SIGKILL);
}

static void task_free(pg_task *k)
{
    if (k->fd >= 0)
        close(k->fd);
    mem_free(k->t);
    mem_free(k->name);
    mem_free(k->path);
    memset(k, 0, sizeof *k);
    k->fd = -1;
}

/* A private copy of what the worker reads of t (the struct and its columns; names and
 * strings stay in the schema's arena, which outlives the queue: it is drained at commit or
 * rollback, before the caller frees the schema). */
static schema_table *table_copy(const schema_table *t)
{
    size_t nc = t->ncolumns ? t->ncolumns : 1;
    schema_table *c = mem_alloc(sizeof *c + nc * sizeof(schema_column));
    if (!c)
        return NULL;
    *c = *t;
    c->columns = (schema_column *)(c + 1);
    if (t->ncolumns)
        memcpy(c->columns, t->columns, t->ncolumns * sizeof(schema_column));
    return c;
}

static cdlt_status run_task(destination *d, pg_task *k, cdlt_error *err)
{
    cdlt_status st = d->in_tx ? CDLT_OK : pg_begin(d, err);
    if (st != CDLT_OK)
        return st;
    const char *name = k->t ? k->t->name : k->name;
    switch (k->kind) {
    case PG_T_MIGRATE:
        return pg_migrate_table(d, k->t, err);
    case PG_T_MIGRATE_STAGING:
        return pg_migrate_staging_table(d, k->t, err);
    case PG_T_TRUNCATE:
        return pg_truncate_table(d, name, err);
    case PG_T_TRUNCATE_STAGING:
        return pg_truncate_staging(d, name, err);
    case PG_T_LOAD:
    case PG_T_LOAD_STAGING: {
        int fd = k->fd;
        k->fd = -1; /* pg_load_fd closes it */
        return k->kind == PG_T_LOAD ? pg_load_fd(d, k->t, k->path, fd, err)
                                    : pg_load_fd_staging(d, k->t, k->path, fd, err);
    }
    case PG_T_DROP:
        return pg_drop_tables(d, &name, 1, NULL, err);
    case PG_T_DROP_STAGING:
        return pg_drop_staging_tables(d, &name, 1, err);
    }
    return err_set(err, CDLT_ERROR, "postgres: unknown worker task %d", (int)k->kind);
}

static void *worker_main(void *arg)
{
    pg_worker *w = arg;
    pg_pool *p = w->pool;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && w->n == 0)
            pthread_cond_wait(&w->cv, &p->mu);
        if (w->n == 0)
            break;
        pg_task k = w->q[w->head];
        w->head = (w->head + 1) % w->cap;
        w->n--;
        bool skip = w->failed;
        w->busy = true;
        pthread_mutex_unlock(&p->mu);
        cdlt_error e;
        cdlt_error_clear(&e);
        cdlt_status st = skip ? CDLT_OK : run_task(w->d, &k, &e);
        task_free(&k);
        pthread_mutex_lock(&p->mu);
        w->busy = false;
        if (st != CDLT_OK && !w->failed) {
            w->failed = true;
            w->err = e;
        }
        pthread_cond_broadcast(&p->cv_idle);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* One worker session: a copy of the main one's settings on a new connection. */
static cdlt_status worker_session(const destination *m, destination **out, cdlt_error *err)
{
    *out = NULL;
    destination *d = mem_calloc(1, sizeof *d);
    if (!d)
        return err_nomem(err);
    d->dataset = mem_strdup(m->dataset);
    d->qdataset = mem_strdup(m->qdataset);
    d->staging = mem_strdup(m->staging);
    d->qstaging = mem_strdup(m->qstaging);
    d->label = mem_strdup(m->label);
    d->create_indexes = m->create_indexes;
    d->staging_optimized = m->staging_optimized;
    d->load_threads = 1;
    cdlt_status st = !d->dataset || !d->qdataset || !d->staging || !d->qstaging || !d->label
                         ? err_nomem(err)
                         : pg_connect(d, m->conninfo, err);
    if (st != CDLT_OK) {
        pg_close(d);
        return st;
    }
    *out = d;
    return CDLT_OK;
}

void pg_pool_free(destination *m)
{
    pg_pool *p = m ? m->pool : NULL;
    if (!p)
        return;
    pg_pool_rollback(m);
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    for (uint32_t i = 0; i < p->n; i++)
        pthread_cond_signal(&p->w[i].cv);
    pthread_mutex_unlock(&p->mu);
    for (uint32_t i = 0; i < p->n; i++) {
        pg_worker *w = &p->w[i];
        if (w->started)
            pthread_join(w->th, NULL);
        pthread_cond_destroy(&w->cv);
        if (w->cancel)
            PQfreeCancel(w->cancel);
        for (size_t k = 0; k < w->n; k++)
            task_free(&w->q[(w->head + k) % w->cap]);
        mem_free(w->q);
        pg_close(w->d);
    }
    mem_free(p->w);
    strv_free(&p->owned);
    mem_free(p->owner);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv_idle);
    mem_free(p);
    m->pool = NULL;
}

/* Open the workers on first use (commands that load nothing never connect them). */
static cdlt_status pool_get(destination *m, pg_pool **out, cdlt_error *err)
{
    *out = m->pool;
    if (m->pool)
        return CDLT_OK;
    pg_pool *p = mem_calloc(1, sizeof *p);
    if (!p)
        return err_nomem(err);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_idle, NULL);
    m->pool = p;
    p->w = mem_calloc(m->load_threads, sizeof *p->w);
    if (!p->w) {
        pg_pool_free(m);
        return err_nomem(err);
    }
    cdlt_status st = CDLT_OK;
    for (uint32_t i = 0; i < m->load_threads && st == CDLT_OK; i++) {
        pg_worker *w = &p->w[i];
        w->pool = p;
        pthread_cond_init(&w->cv, NULL);
        p->n = i + 1;
        st = worker_session(m, &w->d, err);
        if (st == CDLT_OK && !(w->cancel = PQgetCancel(w->d->conn)))
            st = err_nomem(err);
        if (st == CDLT_OK && pthread_create(&w->th, NULL, worker_main, w) != 0)
            st = err_set(err, CDLT_ERROR, "postgres: cannot start a load thread");
        w->started = st == CDLT_OK;
    }
    if (st != CDLT_OK) {
        err_prefix(err, "load_threads = %u: ", (unsigned)m->load_threads);
        pg_pool_free(m);
        return st;
    }
    LOG_DEBUG("postgres: %u load connections open", (unsigned)p->n);
    *out = p;
    return CDLT_OK;
}

static long owner_index(const pg_pool *p, const char *table)
{
    for (size_t i = 0; i < p->owned.n; i++)
        if (strcmp(p->owned.v[i], table) == 0)
            return (long)i;
    return -1;
}

/* The worker that owns `table`, chosen on first use: the least loaded (file bytes, then
 * tables) at or after its parent's worker. parent_known false: the last worker (safe for any
 * parent chain). Called with the lock held. */
static cdlt_status owner_of(pg_pool *p, const char *table, bool parent_known, const char *parent,
                            uint64_t bytes, uint32_t *out)
{
    long k = owner_index(p, table);
    if (k >= 0) {
        *out = p->owner[k];
        p->w[*out].bytes += bytes;
        return CDLT_OK;
    }
    uint32_t lo = 0, pick;
    if (!parent_known) {
        pick = p->n - 1;
    } else {
        if (parent && *parent) {
            long pk = owner_index(p, parent);
            lo = pk >= 0 ? p->owner[pk] : p->n - 1;
        }
        pick = lo;
        for (uint32_t i = lo + 1; i < p->n; i++) {
            const pg_worker *a = &p->w[i], *b = &p->w[pick];
            if (a->bytes < b->bytes || (a->bytes == b->bytes && a->ntables < b->ntables))
                pick = i;
        }
    }
    if (p->owned.n == p->cap_owner) {
        size_t cap = p->cap_owner ? p->cap_owner * 2 : 16;
        uint32_t *o = mem_realloc(p->owner, cap * sizeof *o);
        if (!o)
            return CDLT_NOMEM;
        p->owner = o;
        p->cap_owner = cap;
    }
    if (strv_add(&p->owned, table) != CDLT_OK)
        return CDLT_NOMEM;
    p->owner[p->owned.n - 1] = pick;
    p->w[pick].ntables++;
    p->w[pick].bytes += bytes;
    *out = pick;
    return CDLT_OK;
}

/* The first worker failure, copied to err; CDLT_OK when none. Lock held. */
static cdlt_status first_failure(pg_pool *p, cdlt_error *err)
{
    for (uint32_t i = 0; i < p->n; i++)
        if (p->w[i].failed) {
            if (err)
                *err = p->w[i].err;
            return p->w[i].err.code ? p->w[i].err.code : CDLT_DESTINATION;
        }
    return CDLT_OK;
}

bool pg_pool_routes(const destination *d, const char *table)
{
    return d->load_threads > 1 && strcmp(table, "_dlt_version") != 0 &&
           strcmp(table, "_dlt_loads") != 0;
}

cdlt_status pg_pool_post(destination *m, pg_task_kind kind, const schema_table *t,
                         const char *table, const char *path, int fd, cdlt_error *err)
{
    pg_task k = {kind, NULL, NULL, NULL, fd};
    pg_pool *p;
    cdlt_status st = pool_get(m, &p, err);
    if (st != CDLT_OK) {
        task_free(&k);
        return st;
    }
    uint64_t bytes = 0;
    struct stat sb;
    if (fd >= 0 && fstat(fd, &sb) == 0)
        bytes = (uint64_t)sb.st_size;
    if ((t && !(k.t = table_copy(t))) || (!t && !(k.name = mem_strdup(table))) ||
        (path && !(k.path = mem_strdup(path)))) {
        task_free(&k);
        return err_nomem(err);
    }
    pthread_mutex_lock(&p->mu);
    /* a failed worker stops the load at the next call, not only at commit */
    st = first_failure(p, err);
    uint32_t wi = 0;
    if (st == CDLT_OK && owner_of(p, t ? t->name : table, t != NULL, t ? t->parent : NULL, bytes,
                                  &wi) != CDLT_OK)
        st = err_nomem(err);
    pg_worker *w = &p->w[wi];
    /* a full queue: wait for the worker (bounds the open files) unless something failed */
    while (st == CDLT_OK && w->n >= PG_POOL_QUEUE) {
        pthread_cond_wait(&p->cv_idle, &p->mu);
        st = first_failure(p, err);
    }
    if (st == CDLT_OK && w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        pg_task *q = mem_alloc(cap * sizeof *q);
        if (!q) {
            st = err_nomem(err);
        } else {
            for (size_t i = 0; i < w->n; i++)
                q[i] = w->q[(w->head + i) % w->cap];
            mem_free(w->q);
            w->q = q;
            w->head = 0;
            w->cap = cap;
        }
    }
    if (st == CDLT_OK) {
        w->q[(w->head + w->n) % w->cap] = k;
        w->n++;
        pthread_cond_signal(&w->cv);
    }
    pthread_mutex_unlock(&p->mu);
    if (st != CDLT_OK)
        task_free(&k);
    return st;
}

/* Wait until every queue ran; the first failure (if any). */
static cdlt_status pool_wait(pg_pool *p, cdlt_error *err)
{
    pthread_mutex_lock(&p->mu);
    for (;;) {
        bool idle = true;
        for (uint32_t i = 0; i < p->n && idle; i++)
            idle = p->w[i].n == 0 && !p->w[i].busy;
        if (idle)
            break;
        pthread_cond_wait(&p->cv_idle, &p->mu);
    }
    cdlt_status st = first_failure(p, err);
    pthread_mutex_unlock(&p->mu);
    return st;
}

cdlt_status pg_pool_commit(destination *m, cdlt_error *err)
{
    pg_pool *p = m->pool;
    if (!p)
        return CDLT_OK;
    cdlt_status st = pool_wait(p, err);
    /* every COPY succeeded: commit in index order (a parent's worker before its child's) */
    for (uint32_t i = 0; i < p->n && st == CDLT_OK; i++) {
        if (!p->w[i].d->in_tx)
            continue;
        st = pg_commit(p->w[i].d, err);
        if (st == CDLT_OK)
            crash_point("pg_worker_committed");
    }
    return st;
}

void pg_pool_rollback(destination *m)
{
    pg_pool *p = m ? m->pool : NULL;
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    for (uint32_t i = 0; i < p->n; i++) {
        pg_worker *w = &p->w[i];
        for (size_t k = 0; k < w->n; k++)
            task_free(&w->q[(w->head + k) % w->cap]);
        w->n = 0;
        w->head = 0;
        /* a running COPY would finish first; ask the server to stop it */
        char msg[256];
        if (w->busy && w->cancel)
            PQcancel(w->cancel, msg, sizeof msg);
    }
    for (;;) {
        bool idle = true;
        for (uint32_t i = 0; i < p->n && idle; i++)
            idle = !p->w[i].busy;
        if (idle)
            break;
        pthread_cond_wait(&p->cv_idle, &p->mu);
    }
    for (uint32_t i = 0; i < p->n; i++) {
        pg_worker *w = &p->w[i];
        if (w->d)
            pg_rollback(w->d, NULL);
        w->failed = false;
        cdlt_error_clear(&w->err);
    }
    pthread_mutex_unlock(&p->mu);
}
