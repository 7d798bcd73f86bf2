/* decimal.c: the one reader of decimal text ("-12.5e3") shared by the load paths that turn it
 * into scaled integers (DuckDB's 128-bit decimals, Parquet's fixed-length ones). Each caller
 * scales and rounds for its own width; the grammar and its limits live here once. */
#include "types.h"

bool types_decimal_scan(const char *s, size_t n, int max_digits, types_dec_text *out)
{
    size_t i = 0;
    bool dot = false, any = false;
    out->neg = false;
    out->nd = out->frac = out->exp = 0;
    out->dropped = -1;
    if (max_digits > TYPES_DEC_MAX_DIGITS)
        max_digits = TYPES_DEC_MAX_DIGITS;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        out->neg = s[i++] == '-';
    for (; i < n; i++) {
        char ch = s[i];
        if (ch >= '0' && ch <= '9') {
            any = true;
            if (out->nd == 0 && ch == '0') { /* leading zeros carry no digit */
                if (dot)
                    out->frac++;
                continue;
            }
            if (out->nd < max_digits) {
                out->dig[out->nd++] = (uint8_t)(ch - '0');
                if (dot)
                    out->frac++;
            } else if (!dot) {
                return false; /* more integer digits than any width holds */
            } else if (out->dropped < 0) {
                out->dropped = ch - '0'; /* the first fraction digit beyond the limit rounds */
            }
        } else if (ch == '.' && !dot) {
            dot = true;
        } else if ((ch == 'e' || ch == 'E') && any) {
            bool eneg = false;
            i++;
            if (i < n && (s[i] == '+' || s[i] == '-'))
                eneg = s[i++] == '-';
            if (i == n)
                return false;
            int exp = 0;
            for (; i < n; i++) {
                if (s[i] < '0' || s[i] > '9' || exp > 10000)
                    return false;
                exp = exp * 10 + (s[i] - '0');
            }
            out->exp = eneg ? -exp : exp;
            break;
        } else {
            return false;
        }
    }
    return any;
}
