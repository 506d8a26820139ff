/*
 * Long double helpers for Memorabilia's INCRBYFLOAT / HINCRBYFLOAT.
 *
 * Redis does this arithmetic in C `long double` (80-bit x87 extended on
 * x86-64 Linux), parses with strtold and prints with "%.17Lf". Rust has no
 * such type, so the whole parse/add/format step lives here and Rust only
 * sees bytes in and bytes out. Semantics follow Redis 7.0 string2ld and
 * ld2string(LD_STR_HUMAN); see src/store/numeric.rs for the Rust wrapper.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Redis' MAX_LONG_DOUBLE_CHARS: inputs of this length or more are rejected,
 * and it is the size of the formatting buffer. */
#define MB_MAX_LONG_DOUBLE_CHARS (5 * 1024)

#define MB_LD_OK 0
#define MB_LD_A_NOT_FLOAT 1
#define MB_LD_B_NOT_FLOAT 2
#define MB_LD_NAN_OR_INF 3
#define MB_LD_NO_ROOM 4

/* string2ld: the whole input must be consumed by strtold. The copy gives
 * strtold a NUL terminator; an embedded NUL therefore stops it early and
 * the length check rejects the input (Redis does the same). */
static int mb_string2ld(const char *s, size_t slen, long double *out) {
    char buf[MB_MAX_LONG_DOUBLE_CHARS];
    char *eptr;
    long double v;

    if (slen == 0 || slen >= sizeof(buf)) return 0;
    memcpy(buf, s, slen);
    buf[slen] = '\0';

    errno = 0;
    v = strtold(buf, &eptr);
    if (isspace((unsigned char)buf[0]) || (size_t)(eptr - buf) != slen ||
        (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || v == 0)) ||
        errno == EINVAL || isnan(v))
        return 0;
    *out = v;
    return 1;
}

int mb_ld_parse_ok(const char *s, size_t slen) {
    long double v;
    return mb_string2ld(s, slen, &v);
}

/* The seconds timeout of blocking commands, as Redis 7.0's getTimeoutFromObjectOrReply
 * reads it: string2ld, then (long long) ceill(v * 1000.0). Returns 0 when the input is
 * not a float. A result outside long long is LLONG_MIN, the x86 conversion's answer
 * (Redis then reports "timeout is negative"). */
int mb_ld_timeout_ms(const char *s, size_t slen, long long *out) {
    long double v, ms;
    if (!mb_string2ld(s, slen, &v)) return 0;
    ms = ceill(v * 1000.0);
    if (!(ms < 9223372036854775808.0L && ms >= -9223372036854775808.0L))
        *out = LLONG_MIN;
    else
        *out = (long long)ms;
    return 1;
}

/* ld2string(LD_STR_HUMAN): "%.17Lf", drop trailing zeros after the point
 * and then a bare point, and turn "-0" into "0". Returns the length, or -1
 * when `out` is too small. The value is finite here. */
static int mb_ld_human(long double v, char *out, size_t outcap, size_t *outlen) {
    char buf[MB_MAX_LONG_DOUBLE_CHARS];
    int n = snprintf(buf, sizeof(buf), "%.17Lf", v);
    size_t l;

    if (n < 0 || (size_t)n + 1 > sizeof(buf)) return -1;
    l = (size_t)n;
    if (memchr(buf, '.', l) != NULL) {
        while (buf[l - 1] == '0') l--;
        if (buf[l - 1] == '.') l--;
    }
    if (l == 2 && buf[0] == '-' && buf[1] == '0') {
        buf[0] = '0';
        l = 1;
    }
    if (l > outcap) return -1;
    memcpy(out, buf, l);
    *outlen = l;
    return 0;
}

/* a + b. `a == NULL` means "no current value" and counts as 0. The current
 * value is checked before the increment, like Redis. */
int mb_ld_add(const char *a, size_t alen, const char *b, size_t blen,
              char *out, size_t outcap, size_t *outlen) {
    long double va = 0, vb, sum;

    if (a != NULL && !mb_string2ld(a, alen, &va)) return MB_LD_A_NOT_FLOAT;
    if (!mb_string2ld(b, blen, &vb)) return MB_LD_B_NOT_FLOAT;
    sum = va + vb;
    if (isnan(sum) || isinf(sum)) return MB_LD_NAN_OR_INF;
    if (mb_ld_human(sum, out, outcap, outlen) != 0) return MB_LD_NO_ROOM;
    return MB_LD_OK;
}
