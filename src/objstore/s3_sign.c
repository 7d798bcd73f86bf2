/* s3_sign.c: AWS Signature Version 4 for S3 requests (header form), on OpenSSL's SHA-256 and
 * HMAC. Written from the published algorithm: canonical request -> string to sign -> key
 * derived per day/region/service -> signature. */
#include "s3_int.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <string.h>

static void hex(const unsigned char *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = 0;
}

void s3_sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(data, n, md);
    hex(md, sizeof md, out);
}

static bool hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
    unsigned int olen = 32;
    return HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out,
                &olen) != NULL;
}

cdlt_status s3_uri_encode(buf *out, const char *s, size_t n, bool keep_slash)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && keep_slash)) {
            buf_putc(out, (char)c);
        } else {
            char e[3] = {'%', digits[c >> 4], digits[c & 15]};
            buf_append(out, e, 3);
        }
    }
    return out->status;
}

cdlt_status s3_sign(const s3_sig_req *r, buf *out)
{
    buf creq = BUF_INIT, sts = BUF_INIT, signed_hdrs = BUF_INIT;
    buf_printf(&creq, "%s\n%s\n%s\n", r->method, r->canon_uri, r->canon_query);
    for (size_t i = 0; i < r->nhdr; i++) {
        buf_printf(&creq, "%s:%s\n", r->hdr_names[i], r->hdr_values[i]);
        if (i)
            buf_putc(&signed_hdrs, ';');
        buf_puts(&signed_hdrs, r->hdr_names[i]);
    }
    buf_printf(&creq, "\n%s\n%s", buf_cstr(&signed_hdrs), r->payload_hash);
    char creq_hash[65];
    s3_sha256_hex(buf_cstr(&creq), creq.len, creq_hash);
    char day[9];
    memcpy(day, r->amz_date, 8);
    day[8] = 0;
    buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", r->amz_date, day,
               r->region, r->service, creq_hash);
    cdlt_status rc = creq.status != CDLT_OK ? creq.status
                     : sts.status != CDLT_OK ? sts.status
                                             : signed_hdrs.status;
    unsigned char k[32], k2[32];
    /* "AWS4" + secret, kept only on the stack and wiped */
    char kbuf[256];
    size_t slen = strlen(r->secret);
    if (rc == CDLT_OK && slen + 5 > sizeof kbuf)
        rc = CDLT_INVALID_ARG;
    if (rc == CDLT_OK) {
        memcpy(kbuf, "AWS4", 4);
        memcpy(kbuf + 4, r->secret, slen + 1);
        bool ok = hmac(kbuf, 4 + slen, day, k) && hmac(k, 32, r->region, k2) &&
                  hmac(k2, 32, r->service, k) && hmac(k, 32, "aws4_request", k2) &&
                  hmac(k2, 32, buf_cstr(&sts), k);
        memset(kbuf, 0, sizeof kbuf);
        if (!ok)
            rc = CDLT_ERROR;
    }
    if (rc == CDLT_OK) {
        char sig[65];
        hex(k, 32, sig);
        buf_clear(out);
        buf_printf(out, "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, "
                        "Signature=%s",
                   r->key_id, day, r->region, r->service, buf_cstr(&signed_hdrs), sig);
        rc = out->status;
    }
    memset(k, 0, sizeof k);
    memset(k2, 0, sizeof k2);
    buf_free(&creq);
    buf_free(&sts);
    buf_free(&signed_hdrs);
    return rc;
}
