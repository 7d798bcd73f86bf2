/* status.c: names and descriptions of status codes, generated from the one X-macro table. */
#include "core.h"

const char *cdlt_version(void) { return CDLT_VERSION; }

const char *cdlt_strerror(cdlt_status status)
{
    switch (status) {
#define X(name, value, desc) \
    case CDLT_##name:         \
        return desc;
        CDLT_STATUS_LIST(X)
#undef X
    }
    return "unknown status";
}

const char *cdlt_status_name(cdlt_status status)
{
    switch (status) {
#define X(name, value, desc) \
    case CDLT_##name:         \
        return "CDLT_" #name;
        CDLT_STATUS_LIST(X)
#undef X
    }
    return "CDLT_UNKNOWN";
}
