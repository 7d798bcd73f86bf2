/* fuzz_sources_rest.c: libFuzzer target for the rest_api source's parsing, before any request:
 * byte 0 picks the mode.
 *   0: the rest is a rest_api config (JSON): rest_source_parse validates it; an accepted one
 *      has named resources and valid parent indexes; a refused one has a message.
 *   1: the first line is a JSONPath (data_selector / next_url_path), the rest a response
 *      body: compile, evaluate, detect the paginator (Link header = the first line too).
 * Properties: no crash, leak or hang, whatever the input. */
#include "sources/rest_api/rest_int.h"

#include <stdlib.h>
#include <string.h>

#define MAX_INPUT (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > MAX_INPUT)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    arena a;
    arena_init(&a, 4096, 0);
    cdlt_error err = {0};
    if (data[0] % 2 == 0) {
        jv cfg;
        if (json_parse(text, len, &a, NULL, &cfg, &err) == CDLT_OK) {
            rest_source *s = NULL;
            memset(&err, 0, sizeof err);
            cdlt_status rc = rest_source_parse(&cfg, "rest_api", "rest_api", NULL, &s, &err);
            if (rc == CDLT_OK) {
                for (size_t i = 0; i < rest_source_count(s); i++) {
                    if (!rest_resource_name(s, i) || !rest_resource_hints(s, i))
                        abort();
                    int p = rest_resource_parent(s, i);
                    if (p >= (int)rest_source_count(s) || p < -1)
                        abort();
                    (void)rest_resource_incremental(s, i);
                }
            } else if (!err.message[0]) {
                abort();
            }
            rest_source_free(s);
        }
    } else {
        const char *nl = memchr(text, '\n', len);
        size_t pl = nl ? (size_t)(nl - text) : len;
        char *path = arena_strndup(&a, text, pl);
        jpath jp;
        jv body;
        const char *b = nl ? nl + 1 : text + len;
        size_t bl = nl ? len - pl - 1 : 0;
        if (path && jpath_compile(path, &a, &jp, &err) == CDLT_OK &&
            json_parse(b, bl, &a, NULL, &body, &err) == CDLT_OK) {
            jv all;
            (void)jpath_first(&jp, &body);
            (void)jpath_all(&jp, &body, &a, &all);
            http_response resp;
            http_response_init(&resp);
            buf h = BUF_INIT;
            buf_printf(&h, "Link: %s", path);
            strv_add(&resp.headers, buf_cstr(&h));
            buf_free(&h);
            pg_state st;
            memset(&st, 0, sizeof st);
            buf_init(&st.next, 0);
            log_set_level_from_config(CDLT_LOG_ERROR);
            pg_detect(&st, &resp, &body, body.type == JV_ARRAY, "fuzz", &a, true);
            rreq q;
            rreq_init(&q);
            buf_puts(&q.url, "http://h/p");
            bool next = false;
            if (st.spec.kind != PG_AUTO) {
                cdlt_error e2 = {0};
                (void)pg_update(&st, &resp, &body, &body, &q, &a, &next, &e2);
            }
            rreq_free(&q);
            buf_free(&st.next);
            http_response_free(&resp);
        }
    }
    arena_free(&a);
    return 0;
}
