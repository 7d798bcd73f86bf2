/* s3_int.h: pieces of the S3 backend that are tested on their own: AWS Signature V4 and the
 * few XML shapes S3 answers with. Internal to objstore. */
#ifndef CDLT_OBJSTORE_S3_INT_H
#define CDLT_OBJSTORE_S3_INT_H

#include "core/core.h"

/* One request to sign. Header names lower-case and sorted; values trimmed. */
typedef struct s3_sig_req {
    const char *method;       /* "GET", "PUT", ... */
    const char *canon_uri;    /* URI-encoded path ("/bucket/a%20b.csv"), encoded once */
    const char *canon_query;  /* sorted, encoded "a=1&b=" ("" when none) */
    const char *const *hdr_names;  /* signed headers, lower-case, sorted (host first, ...) */
    const char *const *hdr_values; /* their values */
    size_t nhdr;
    const char *payload_hash; /* hex SHA-256 of the body or "UNSIGNED-PAYLOAD" */
    const char *amz_date;     /* "YYYYMMDDTHHMMSSZ" (UTC) */
    const char *region;       /* "us-east-1" */
    const char *service;      /* "s3" */
    const char *key_id;
    const char *secret;
} s3_sig_req;

/* The Authorization header value ("AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
 * Signature=...") into out (replaced). */
cdlt_status s3_sign(const s3_sig_req *r, buf *out);
/* Lower-case hex SHA-256 of data (65 bytes with the NUL). */
void s3_sha256_hex(const void *data, size_t n, char out[65]);
/* RFC 3986 encoding as SigV4 wants it: unreserved kept; '/' kept when keep_slash. Appends. */
cdlt_status s3_uri_encode(buf *out, const char *s, size_t n, bool keep_slash);

/* The URL, Host header and canonical URI (what SigV4 signs) of a request for the full object
 * key (NULL = the bucket) of S3 store st, as every request is built: shows which addressing
 * style (s3_url_style) a store uses. Each buf is replaced. CDLT_INVALID_ARG for a local store. */
struct os_store;
cdlt_status s3_request_target(const struct os_store *st, const char *key, buf *url, buf *host,
                              buf *uri);

/* ---- XML (s3_xml.c): S3's answers are flat enough for a scanner ---- */
/* Find the next element <tag>...</tag> at or after *pos in [xml, xml+len); on success sets the
 * inner text span and moves *pos past the close tag. */
bool s3_xml_next(const char *xml, size_t len, size_t *pos, const char *tag, const char **inner,
                 size_t *inner_len);
/* Inner text of the first <tag> in the span, entity-decoded into out (replaced); false when
 * absent. */
bool s3_xml_text(const char *xml, size_t len, const char *tag, buf *out);
/* "2026-12-05T17:23:39.123Z" -> UTC microseconds; false when malformed. */
bool s3_parse_iso8601(const char *s, int64_t *out_us);
/* "Sat, 05 Dec 2026 17:23:39 GMT" -> UTC microseconds; false when malformed. */
bool s3_parse_http_date(const char *s, int64_t *out_us);

#endif /* CDLT_OBJSTORE_S3_INT_H */
