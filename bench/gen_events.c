/* gen_events.c: deterministic generator of GitHub-events-like NDJSON (~1.2 KB a record):
 * string id, type, nested actor{} and repo{}, payload{} with 1-5 commits each with author{},
 * a list of string labels, an ISO created_at and a double score. Seeded splitmix64, so every
 * run and machine gets byte-identical files. */
#include "bench.h"

#include <stdio.h>
#include <string.h>

static uint64_t g_state;

static uint64_t next(void)
{
    uint64_t z = (g_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t below(uint64_t n) { return next() % n; }

static void hex(char *out, int n)
{
    static const char H[] = "0123456789abcdef";
    for (int i = 0; i < n; i++)
        out[i] = H[below(16)];
    out[n] = '\0';
}

static const char *TYPES[] = {"PushEvent", "WatchEvent", "IssuesEvent", "PullRequestEvent",
                              "CreateEvent", "ForkEvent", "IssueCommentEvent", "DeleteEvent"};
static const char *WORDS[] = {"fix", "add", "update", "remove", "refactor", "parser", "tests",
                              "docs", "build", "release", "bump", "version", "cache", "handle",
                              "error", "in", "the", "for", "with", "memory", "speed", "config",
                              "schema", "loader", "naïve", "über", "日本"};
static const char *LABELS[] = {"bug", "enhancement", "documentation", "good first issue",
                               "help wanted", "question", "wontfix", "duplicate"};
static const char *ORGS[] = {"dlt-hub", "duckdb", "torvalds", "apache", "rust-lang", "nodejs",
                             "python", "golang", "kubernetes", "microsoft"};

static void message(FILE *f)
{
    int words = 3 + (int)below(8);
    for (int i = 0; i < words; i++)
        fprintf(f, "%s%s", i ? " " : "", WORDS[below(sizeof WORDS / sizeof *WORDS)]);
    if (below(4) == 0)
        fputs("\\n\\nSigned-off-by: \\\"bot\\\"", f);
}

int bench_generate_events(const char *path, uint64_t records, uint64_t seed)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return -1;
    }
    static char iobuf[1 << 20];
    setvbuf(f, iobuf, _IOFBF, sizeof iobuf);
    g_state = seed;
    for (uint64_t r = 0; r < records; r++) {
        uint64_t actor = 1000 + below(500000);
        uint64_t repo = 10000 + below(2000000);
        const char *org = ORGS[below(sizeof ORGS / sizeof *ORGS)];
        char head[41], before[41];
        hex(head, 40);
        hex(before, 40);
        fprintf(f,
                "{\"id\":\"%llu\",\"type\":\"%s\",\"actor\":{\"id\":%llu,\"login\":\"user%llu\","
                "\"display_login\":\"user%llu\",\"gravatar_id\":\"\",\"url\":\"https://api.github."
                "com/users/user%llu\",\"avatar_url\":\"https://avatars.githubusercontent.com/u/%llu?\"},"
                "\"repo\":{\"id\":%llu,\"name\":\"%s/repo%llu\",\"url\":\"https://api.github.com/repos/%s/"
                "repo%llu\"},\"payload\":{\"push_id\":%llu,",
                (unsigned long long)(20000000000ull + r), TYPES[below(8)],
                (unsigned long long)actor, (unsigned long long)actor, (unsigned long long)actor,
                (unsigned long long)actor, (unsigned long long)actor, (unsigned long long)repo, org,
                (unsigned long long)repo, org, (unsigned long long)repo,
                (unsigned long long)(9000000000ull + below(1000000000)));
        int ncommits = 1 + (int)below(5);
        fprintf(f, "\"size\":%d,\"distinct_size\":%d,\"ref\":\"refs/heads/%s\",\"head\":\"%s\","
                   "\"before\":\"%s\",\"commits\":[",
                ncommits, ncommits, below(3) ? "main" : "feature/x", head, before);
        for (int c = 0; c < ncommits; c++) {
            char sha[41];
            hex(sha, 40);
            uint64_t author = below(100000);
            fprintf(f,
                    "%s{\"sha\":\"%s\",\"author\":{\"email\":\"dev%llu@example.com\",\"name\":\"Dev "
                    "%llu\"},\"message\":\"",
                    c ? "," : "", sha, (unsigned long long)author, (unsigned long long)author);
            message(f);
            fprintf(f, "\",\"distinct\":%s}", below(5) ? "true" : "false");
        }
        fputs("]},\"labels\":[", f);
        int nlabels = (int)below(5);
        for (int l = 0; l < nlabels; l++)
            fprintf(f, "%s\"%s\"", l ? "," : "", LABELS[below(8)]);
        uint64_t secs = 1704067200ull + below(366ull * 86400);
        unsigned long long day = secs / 86400, rem = secs % 86400;
        /* civil date from days since epoch (Howard Hinnant's algorithm) */
        long long z = (long long)day + 719468, era = z / 146097;
        unsigned doe = (unsigned)(z - era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        long long y = (long long)yoe + era * 400;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
        unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
        y += m <= 2;
        fprintf(f, "],\"public\":%s,\"created_at\":\"%04lld-%02u-%02uT%02llu:%02llu:%02lluZ\","
                   "\"score\":%.3f}\n",
                below(10) ? "true" : "false", y, m, d, rem / 3600, rem % 3600 / 60, rem % 60,
                (double)below(1000000) / 1000.0);
    }
    if (fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}
