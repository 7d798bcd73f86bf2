/* version.c: the schema version hash (dlt's generate_version_hash) and version bumps on save
 * (core.md §3.5). The hash covers the content and, separately, the column order. */
#include "schema/schema.h"
#include "schema/schema_int.h"

#include <openssl/evp.h>

cdlt_status schema_compute_hash(const schema *s, char out[64])
{
    out[0] = '\0';
    arena a;
    arena_init(&a, 64 * 1024, 0);
    buf canon = BUF_INIT;
    const schema_table **sorted = NULL;
    EVP_MD_CTX *md = NULL;
    schema_doc_opts o = {false, false, true, false, true};
    jv doc;
    cdlt_status st = schema_to_jv(s, &o, &a, &doc);
    if (st == CDLT_OK)
        st = json_write(&canon, &doc, JSON_W_SORT_KEYS);
    if (st != CDLT_OK)
        goto done;
    /* table names sorted bytewise (= Python's code point order for UTF-8) */
    sorted = mem_alloc((s->ntables ? s->ntables : 1) * sizeof *sorted);
    if (!sorted) {
        st = CDLT_NOMEM;
        goto done;
    }
    for (uint32_t i = 0; i < s->ntables; i++) {
        const schema_table *t = s->tables[i];
        uint32_t j = i;
        while (j > 0 && strcmp(sorted[j - 1]->name, t->name) > 0) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = t;
    }
    md = EVP_MD_CTX_new();
    unsigned char digest[32];
    unsigned dlen = 0;
    if (!md || EVP_DigestInit_ex(md, EVP_sha3_256(), NULL) != 1 ||
        EVP_DigestUpdate(md, canon.data, canon.len) != 1) {
        st = CDLT_NOMEM;
        goto done;
    }
    for (uint32_t i = 0; i < s->ntables; i++) {
        const schema_table *t = sorted[i];
        EVP_DigestUpdate(md, t->name, strlen(t->name));
        for (uint32_t c = 0; c < t->ncolumns; c++)
            EVP_DigestUpdate(md, t->columns[c].name, t->columns[c].name_len);
    }
    if (EVP_DigestFinal_ex(md, digest, &dlen) != 1 || dlen != 32) {
        st = CDLT_ERROR;
        goto done;
    }
    b64_encode(digest, 32, out, true);
done:
    EVP_MD_CTX_free(md);
    mem_free(sorted);
    buf_free(&canon);
    arena_free(&a);
    return st;
}

void schema_store_prev_hash(schema *s, const char *hash)
{
    /* dlt's store_prev_hash: newest first, no duplicates, at most 10 */
    for (uint32_t i = 0; i < s->nprevious; i++)
        if (strcmp(s->previous_hashes[i], hash) == 0)
            return;
    uint32_t n = s->nprevious < 10 ? s->nprevious + 1 : 10;
    for (uint32_t i = n - 1; i > 0; i--)
        s->previous_hashes[i] = s->previous_hashes[i - 1];
    s->previous_hashes[0] = hash;
    s->nprevious = n;
}

cdlt_status schema_bump_version(schema *s, bool *out_changed, cdlt_error *err)
{
    if (out_changed)
        *out_changed = false;
    char h[64];
    cdlt_status st = schema_compute_hash(s, h);
    if (st != CDLT_OK)
        return st == CDLT_NOMEM ? err_nomem(err)
                                : err_set(err, st, "schema '%s': cannot compute the version hash",
                                          s->name);
    if (s->version_hash && strcmp(h, s->version_hash) == 0)
        return CDLT_OK;
    char *nh = arena_strndup(&s->mem, h, strlen(h));
    if (!nh)
        return err_nomem(err);
    if (!s->version_hash) {
        /* initial hash: no bump (dlt keeps a migrated version, else starts at 1) */
        if (!s->version)
            s->version = 1;
    } else {
        s->version++;
        schema_store_prev_hash(s, s->version_hash);
    }
    s->version_hash = nh;
    if (out_changed)
        *out_changed = true;
    return CDLT_OK;
}
