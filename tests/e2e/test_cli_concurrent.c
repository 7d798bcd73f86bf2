/* test_cli_concurrent.c: a second command started while `cdlt run` is running never damages
 * it (issue 10 point 1). Real CLI processes: a 300k-item run, and after a random delay one of
 * run, pipeline drop, pipeline sync, run --dev-mode on the same pipeline. The running one
 * must always succeed with exact row counts; the second one is refused ("in use", exit 1) and
 * changes nothing, or, when it only started after the first had finished, does its job. */
#include "cli_run.h"

#include <fcntl.h>
#include <time.h>

#define ITEMS 300000

/* 50 tries take ~1.5 min in release; sanitizer builds run ~10x slower, so fewer tries. */
#if defined(__SANITIZE_ADDRESS__)
#define TRIES 6
#else
#define TRIES 50
#endif

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Has pid exited (without reaping it, so wait_cli still gets its status)? */
static bool has_exited(pid_t pid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* Wait until the lock file names pid (the run holds the lock), or pid exits. */
static bool wait_locked_by(const char *lockfile, pid_t pid)
{
    char want[32];
    snprintf(want, sizeof want, "%d\n", (int)pid);
    for (int i = 0; i < 60000; i++) {
        char *t = tu_read_file(lockfile, NULL);
        bool held = t && strcmp(t, want) == 0;
        free(t);
        if (held)
            return true;
        if (has_exited(pid))
            return false;
        sleep_ms(1);
    }
    return false;
}

static void test_second_command_during_run(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("cli-conc");
    char data[1200], def[1200], pdir[1200], db[1200], lockfile[1300];
    snprintf(data, sizeof data, "%s/ev.jsonl", dir);
    snprintf(def, sizeof def, "%s/p.toml", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    snprintf(db, sizeof db, "%s/p.duckdb", dir);
    snprintf(lockfile, sizeof lockfile, "%s/conc/.lock", pdir);
    FILE *f = fopen(data, "w");
    for (int i = 0; i < ITEMS; i++)
        fprintf(f, "{\"id\":%d,\"name\":\"n%d\"}\n", i, i);
    fclose(f);
    f = fopen(def, "w");
    fprintf(f, "pipeline_name = \"conc\"\ndestination = \"duckdb\"\ncredentials = \"p.duckdb\"\n"
               "dataset_name = \"pd\"\n[[resources]]\nname = \"ev\"\npath = \"ev.jsonl\"\n");
    fclose(f);
    const char *first[] = {"run", def, "--pipelines-dir", pdir, "--progress", "none",
                           "--no-tables", NULL};
    const char *seconds[][10] = {
        {"run", def, "--pipelines-dir", pdir, "--progress", "none", "--no-tables", NULL},
        {"pipeline", "conc", "drop", "--pipelines-dir", pdir, NULL},
        {"pipeline", "conc", "sync", "--pipelines-dir", pdir, NULL},
        {"run", def, "--dev-mode", "--pipelines-dir", pdir, "--progress", "none", "--no-tables",
         NULL},
    };
    unsigned seed = (unsigned)time(NULL);
    fprintf(stderr, "seed %u\n", seed);
    srand(seed);
    int64_t expect = 0; /* rows of pd.ev */
    int refused = 0, late = 0;
    for (int t = 0; t < TRIES; t++) {
        int k = t % 4;
        pid_t pid = spawn_cli(dir, "first_", first, NULL);
        assert_true(wait_locked_by(lockfile, pid));
        /* the run takes ~1.5 s in release: most seconds land inside it */
        sleep_ms(rand() % 900);
        cli_res r2 = run_cli(dir, seconds[k], NULL);
        bool first_running = !has_exited(pid);
        cli_res r1 = wait_cli(dir, "first_", pid);
        if (r1.code != 0)
            fprintf(stderr, "try %d (%s %s): first run failed:\n%s\n", t, seconds[k][0],
                    seconds[k][2], r1.err);
        assert_int_equal(r1.exited, 1);
        assert_int_equal(r1.code, 0);
        assert_non_null(strstr(r1.out, "300000"));
        expect += ITEMS;
        if (r2.code != 0) {
            if (!strstr(r2.err, "in use by another process"))
                fprintf(stderr, "try %d: second command: %s\n", t, r2.err);
            assert_int_equal(r2.code, 1);
            assert_non_null(strstr(r2.err, "in use by another process"));
            assert_null(strstr(r2.err, "pending")); /* the first run's packages are not its */
            refused++;
        } else {
            /* it got the lock, so it ran after the first had released it */
            assert_false(first_running);
            late++;
            if (k == 0)
                expect += ITEMS;
            else if (k == 1)
                expect = 0;
        }
        int64_t n = pt_count(db, "pd", "ev");
        if (n != (expect ? expect : -1))
            fprintf(stderr, "try %d: pd.ev has %lld rows, expected %lld\n", t, (long long)n,
                    (long long)expect);
        assert_int_equal(n, expect ? expect : -1);
        res_free(&r1);
        res_free(&r2);
    }
    fprintf(stderr, "%d tries: %d second commands refused, %d ran after the first\n", TRIES,
            refused, late);
    assert_true(refused > 0);
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_command_during_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
