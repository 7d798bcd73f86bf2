/* types_int.h: helpers shared by the files of src/types only: Python number parsing and
 * printing (int(), float(), Decimal, repr) and Unix-seconds conversion, as dlt gets them. */
#ifndef CDLT_TYPES_INT_H
#define CDLT_TYPES_INT_H

#include "types.h"

/* Flags of source values inside types.c only (never in a tval returned by the API): the
 * bigint source of a coercion holding an integer beyond int64. */
enum {
    TV_UNSIGNED = 0x02, /* DT_BIGINT: u.i holds the bits of a uint64 in (INT64_MAX, UINT64_MAX] */
    TV_BIGTEXT = 0x04   /* DT_BIGINT beyond 64 bits: u.s/len is the exact decimal text */
};

/* Largest input the number parsers look at (longer strings are not coercible). */
#define TYPES_NUM_MAX 4096

/* Python int(s, base) for base 10 or 16 (whitespace strip, sign, "0x" prefix for 16,
 * single '_' between digits, Unicode decimal digits). Writes the ASCII digits without sign or
 * leading zeros ("0" for zero) to digs (cap >= n + 2) and the sign to *neg. */
bool types_py_int_digits(const char *s, size_t n, int base, bool *neg, char *digs,
                         size_t *out_len);
/* Digits (from types_py_int_digits) in base 10 or 16 -> int64; false on overflow. */
bool types_digits_to_i64(const char *digs, size_t n, int base, bool neg, int64_t *out);
/* Hex digits -> decimal digits (out cap >= 2 * n + 2); returns the length. */
size_t types_hex_to_dec(const char *hex, size_t n, char *out);
/* Python float(s): true and *out, or false (ValueError). */
bool types_py_float(const char *s, size_t n, double *out);
/* str(Decimal(s)) for a text s; false on InvalidOperation. out cap >= n + 32. */
bool types_py_decimal_str(const char *s, size_t n, char *out, size_t *out_len);
/* str(Decimal(d)) (exact binary value); out cap >= 1100. */
size_t types_py_decimal_from_double(double d, char *out);
/* Python repr(float); out >= 32 bytes. */
size_t types_py_repr_double(double d, char *out);
/* Decimal digits (no sign) -> little-endian minimal bytes, as int.to_bytes(..., "little");
 * out cap >= n / 2 + 8. Returns the byte count. */
size_t types_dec_to_le_bytes(const char *digs, size_t n, unsigned char *out);

/* Unix seconds -> microseconds as datetime.fromtimestamp(x, timezone.utc) (round half even,
 * years 1..9999); false when out of range. */
bool types_unix_double_to_us(double secs, int64_t *out_us);
bool types_unix_int_to_us(int64_t secs, int64_t *out_us);
bool types_us_in_range(int64_t us);

#endif /* CDLT_TYPES_INT_H */
